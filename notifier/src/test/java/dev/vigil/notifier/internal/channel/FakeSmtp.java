package dev.vigil.notifier.internal.channel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal SMTP server on a free local port that refuses the first {@code rejections} mail
 * transactions with {@code reply} (a 4xx or 5xx line) and accepts the rest: what GreenMail cannot
 * be told to do.
 */
final class FakeSmtp implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;
    private final String reply;
    private final AtomicInteger rejectionsLeft;
    private final AtomicInteger transactions = new AtomicInteger();
    private final List<String> accepted = new ArrayList<>();

    FakeSmtp(int rejections, String reply) throws IOException {
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.reply = reply;
        this.rejectionsLeft = new AtomicInteger(rejections);
        this.thread = new Thread(this::serve, "fake-smtp");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** MAIL FROM commands seen, refused ones included. */
    int transactions() {
        return transactions.get();
    }

    /** The DATA of every accepted message. */
    synchronized List<String> accepted() {
        return List.copyOf(accepted);
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket s = socket.accept()) {
                session(s);
            } catch (IOException e) {
                // closed, or the client hung up: next connection
            }
        }
    }

    private void session(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = s.getOutputStream();
        send(out, "220 fake.local ESMTP");
        String line;
        while ((line = in.readLine()) != null) {
            String cmd = line.length() >= 4 ? line.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : line;
            switch (cmd) {
                case "EHLO", "HELO" -> send(out, "250 fake.local");
                case "MAIL" -> {
                    transactions.incrementAndGet();
                    send(out, rejectionsLeft.getAndDecrement() > 0 ? reply : "250 2.1.0 ok");
                }
                case "RCPT" -> send(out, "250 2.1.5 ok");
                case "DATA" -> {
                    send(out, "354 go ahead");
                    StringBuilder data = new StringBuilder();
                    String l;
                    while ((l = in.readLine()) != null && !l.equals(".")) {
                        data.append(l).append('\n');
                    }
                    synchronized (this) {
                        accepted.add(data.toString());
                    }
                    send(out, "250 2.0.0 queued");
                }
                case "QUIT" -> {
                    send(out, "221 bye");
                    return;
                }
                default -> send(out, "250 ok");
            }
        }
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

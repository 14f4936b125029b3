import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.FileWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A webhook receiver for the admin API walkthrough (api-walkthrough.sh): verifies each request's
 * Standard Webhooks signature and appends "valid|INVALID <body>" to a file, one line per webhook.
 * Run: java WebhookReceiver.java PORT SECRET OUTFILE   (SECRET as in the channel: whsec_<base64>)
 */
public class WebhookReceiver {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        // A Standard Webhooks secret, whsec_<base64>: the key is the bytes the base64 decodes to.
        if (!args[1].startsWith("whsec_")) {
            throw new IllegalArgumentException("the secret must be whsec_<base64>");
        }
        byte[] key = Base64.getDecoder().decode(args[1].substring("whsec_".length()));
        String out = args[2];
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String id = ex.getRequestHeaders().getFirst("webhook-id");
            String ts = ex.getRequestHeaders().getFirst("webhook-timestamp");
            String sig = ex.getRequestHeaders().getFirst("webhook-signature");
            boolean valid;
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                String expected = "v1," + Base64.getEncoder().encodeToString(
                        mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
                valid = expected.equals(sig);
            } catch (Exception e) {
                valid = false;
            }
            synchronized (WebhookReceiver.class) {
                try (PrintWriter w = new PrintWriter(new FileWriter(out, StandardCharsets.UTF_8, true))) {
                    w.println((valid ? "valid " : "INVALID ") + body);
                }
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        System.err.println("webhook receiver on http://127.0.0.1:" + port + "/hook");
    }
}

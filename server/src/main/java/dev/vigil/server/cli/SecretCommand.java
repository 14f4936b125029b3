package dev.vigil.server.cli;

import dev.vigil.notifier.ChannelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;

/**
 * {@code vigil secret}: prints a fresh webhook signing secret in the Standard Webhooks form,
 * {@code whsec_} and the base64 of random bytes from {@link SecureRandom}.
 */
@Command(
        name = "secret",
        mixinStandardHelpOptions = true,
        description = {
                "Print a fresh webhook secret in the Standard Webhooks form (whsec_ and the base64 of random bytes).",
                "Put it in a webhook channel's secret (best through an environment variable: "
                        + "secret: \"$${FRAUD_HOOK_SECRET}\") and give the same text to the receiver.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:printed",
                "2:wrong usage: --bytes out of range, an unknown option",
        })
final class SecretCommand implements Callable<Integer> {
    /**
     * Key bytes when {@code --bytes} is not given: 256 bits, HMAC-SHA256's output size, which is as
     * strong as its key can make it (RFC 2104 recommends a key at least that long).
     */
    static final int DEFAULT_BYTES = 32;

    @Spec
    private CommandSpec spec;

    @Option(names = "--bytes", paramLabel = "N", description = "How many random bytes: "
            + ChannelConfig.Webhook.MIN_SECRET_BYTES + " to " + ChannelConfig.Webhook.MAX_SECRET_BYTES
            + " (default: ${DEFAULT-VALUE}).")
    private int bytes = DEFAULT_BYTES;

    @Override
    public Integer call() {
        if (bytes < ChannelConfig.Webhook.MIN_SECRET_BYTES || bytes > ChannelConfig.Webhook.MAX_SECRET_BYTES) {
            throw new ParameterException(spec.commandLine(), "--bytes must be between "
                    + ChannelConfig.Webhook.MIN_SECRET_BYTES + " and " + ChannelConfig.Webhook.MAX_SECRET_BYTES + ": "
                    + bytes);
        }
        byte[] key = new byte[bytes];
        new SecureRandom().nextBytes(key);
        PrintWriter out = spec.commandLine().getOut();
        out.println(ChannelConfig.Webhook.SECRET_PREFIX + Base64.getEncoder().encodeToString(key));
        out.flush();
        return ExitCode.OK;
    }
}

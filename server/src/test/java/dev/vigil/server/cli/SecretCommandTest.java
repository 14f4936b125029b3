package dev.vigil.server.cli;

import dev.vigil.notifier.ChannelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SecretCommandTest {

    @Test
    void secret_printsOneLine_whsecAndTheBase64Of32Bytes() {
        Run run = vigil("secret");

        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).endsWith("\n");
        assertThat(run.outLines()).singleElement().satisfies(secret -> {
            assertThat(secret).startsWith("whsec_").hasSize(6 + 44).matches("whsec_[A-Za-z0-9+/]{43}=");
            assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
            assertThat(ChannelConfig.Webhook.secretProblem(secret)).isEmpty();
        });
    }

    @ParameterizedTest
    @CsvSource({"24, 32", "33, 44", "64, 88"})
    void secret_bytes_isTheKeyLength(int bytes, int base64Chars) {
        Run run = vigil("secret", "--bytes", Integer.toString(bytes));

        assertThat(run.exitCode()).isZero();
        String secret = run.outLines().get(0);
        assertThat(secret).hasSize(6 + base64Chars);
        assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(bytes);
        assertThat(ChannelConfig.Webhook.secretProblem(secret)).isEmpty();
    }

    @Test
    void secret_twoCalls_printDifferentSecrets() {
        Set<String> secrets = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            secrets.add(vigil("secret").outLines().get(0));
        }
        assertThat(secrets).hasSize(20);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 16, 23, 65, 1000, -1})
    void secret_bytesOutOfRange_isUsageError(int bytes) {
        Run run = vigil("secret", "--bytes", Integer.toString(bytes));

        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).containsExactly(
                "vigil secret: --bytes must be between 24 and 64: " + bytes,
                "Try 'vigil secret --help' for more information.");
        assertThat(run.exitCode()).isEqualTo(2);
    }

    @Test
    void secret_bytesNotANumber_isUsageError() {
        Run run = vigil("secret", "--bytes", "many");

        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).containsExactly(
                "vigil secret: Invalid value for option '--bytes': 'many' is not an int",
                "Try 'vigil secret --help' for more information.");
        assertThat(run.exitCode()).isEqualTo(2);
    }

    @Test
    void secret_help_saysWhatItPrints() {
        Run run = vigil("secret", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Standard Webhooks", "--bytes=N", "24 to 64 (default: 32)",
                "secret: \"${FRAUD_HOOK_SECRET}\"");
    }

    private static Run vigil(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = VigilCli.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }
    }
}

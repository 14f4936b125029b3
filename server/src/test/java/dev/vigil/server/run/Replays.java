package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.server.cli.VigilCli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** What recovery tests compare against: one uninterrupted {@code vigil replay}, and the recordings' times. */
final class Replays {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Replays() {
    }

    /** The event time of a recorded line (its {@code data.at}), epoch milliseconds. */
    static long time(String line) {
        try {
            return Instant.parse(JSON.readTree(line).get("data").get("at").asText()).toEpochMilli();
        } catch (IOException e) {
            throw new IllegalStateException(line, e);
        }
    }

    /** The ids of the alerts {@code vigil replay} raises over {@code events} with an event time before {@code cutoff}. */
    static Set<String> ids(Path rules, Path events, long cutoff) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VigilCli.run(new PrintWriter(out, true), new PrintWriter(err, true),
                "replay", "--rules", rules.toString(), "--events", events.toString());
        assertThat(code).as(err.toString()).isZero();
        Set<String> ids = new TreeSet<>();
        for (String line : out.toString().split("\n")) {
            if (!line.isBlank()) {
                JsonNode alert = JSON.readTree(line);
                if (Instant.parse(alert.get("time").asText()).toEpochMilli() < cutoff) {
                    ids.add(alert.get("id").asText());
                }
            }
        }
        return ids;
    }
}

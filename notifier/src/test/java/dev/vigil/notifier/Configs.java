package dev.vigil.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Configurations for tests, written as YAML the way users write them. */
final class Configs {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Configs() {
    }

    /** The channels and routes of {@code yaml}, with the store at {@code db}. */
    static NotifierConfig parse(String yaml, Path db) {
        try {
            JsonNode root = YAML.readTree(yaml);
            ObjectNode store = YAML.createObjectNode().put("path", db.toString());
            return NotifierConfig.parse(root.get("channels"), root.get("routes"), store);
        } catch (ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}

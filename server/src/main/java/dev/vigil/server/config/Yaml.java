package dev.vigil.server.config;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The one YAML configuration of the program, for the configuration file and rule tests: a key
 * written twice in one mapping is an error (YAML says keys are unique; silently keeping the last
 * one hides a mistake), and parse errors quote no source text.
 */
public final class Yaml {
    private static final YAMLMapper MAPPER = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Yaml() {
    }

    /** The shared mapper; thread-safe. Never reconfigure it. */
    public static YAMLMapper mapper() {
        return MAPPER;
    }
}

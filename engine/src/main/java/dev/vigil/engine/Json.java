package dev.vigil.engine;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The JSON mapper the engine shares: thread-safe once configured. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }
}

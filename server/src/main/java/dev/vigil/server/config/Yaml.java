package dev.vigil.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.ContentReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.Reader;

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

    /** A second YAML document after the first, in a file that holds one; located at its {@code ---}. */
    public static final class ExtraDocumentException extends JsonProcessingException {
        private static final long serialVersionUID = 1L;

        ExtraDocumentException(String message, int line) {
            super(message, new JsonLocation(ContentReference.unknown(), -1, line, 1));
        }
    }

    /**
     * The one document of a YAML text (a missing node when it holds none, as {@code readTree(String)}). A second document is an error
     * ({@code what} names the file: "a configuration file"), never ignored. The text is handed to
     * SnakeYAML in reads that never end on the first half of a surrogate pair: its reader, given a
     * read that does, fetches the other half past the end of its 1024-character buffer and fails
     * (the bug behind FasterXML/jackson-dataformats-text#508, also when reading a String).
     */
    public static JsonNode readTree(String text, String what) throws IOException {
        try (JsonParser p = MAPPER.createParser(new WholeCharacters(text))) {
            JsonNode root = MAPPER.readTree(p);
            if (root != null && p.nextToken() != null) {
                throw new ExtraDocumentException(what + " holds one document",
                        documentStart(text, p.currentTokenLocation().getLineNr()));
            }
            return root == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : root;
        }
    }

    /** The line of the {@code ---} before line {@code line} (1-based), else {@code line} itself. */
    private static int documentStart(String text, int line) {
        String[] lines = text.split("\n", -1);
        for (int i = Math.min(line, lines.length) - 1; i >= 0; i--) {
            if (lines[i].equals("---") || lines[i].startsWith("--- ") || lines[i].equals("---\r")) {
                return i + 1;
            }
        }
        return line;
    }

    /** A String as a Reader whose reads of more than one character never end on a high surrogate. */
    private static final class WholeCharacters extends Reader {
        private final String text;
        private int pos;

        WholeCharacters(String text) {
            this.text = text;
        }

        @Override
        public int read(char[] cbuf, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos >= text.length()) {
                return -1;
            }
            int n = Math.min(len, text.length() - pos);
            if (n > 1 && Character.isHighSurrogate(text.charAt(pos + n - 1))) {
                n--;
            }
            text.getChars(pos, pos + n, cbuf, off);
            pos += n;
            return n;
        }

        @Override
        public void close() {
        }
    }
}

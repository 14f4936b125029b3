package dev.vigil.server.cli;

import dev.vigil.rules.SourceFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/** Finds the rule files named on a command line and reads them as UTF-8 text. */
final class RuleFiles {
    static final String EXTENSION = ".rules";

    private RuleFiles() {
    }

    /** A path given on the command line that names no usable rule file. */
    static final class BadPathException extends Exception {
        private static final long serialVersionUID = 1L;

        BadPathException(String message) {
            super(message);
        }
    }

    /** A rule file that is not valid UTF-8: where the first bad byte is. */
    record EncodingError(Path file, int line, long byteOffset) {
        EncodingError {
            requireNonNull(file, "file is null");
        }

        String format() {
            return file + ":" + line + ": not valid UTF-8 text (first bad byte at offset " + byteOffset + ")";
        }
    }

    /** What reading the files gave: the sources to compile, and the files that could not be decoded. */
    record Loaded(List<SourceFile> sources, List<EncodingError> encodingErrors) {
        Loaded {
            sources = List.copyOf(sources);
            encodingErrors = List.copyOf(encodingErrors);
        }

        int fileCount() {
            return sources.size() + encodingErrors.size();
        }
    }

    /**
     * The rule files the arguments name, in order: a file as given (whatever its extension), a
     * directory as every {@code *.rules} file below it, sorted by path. Hidden files and folders
     * (names starting with a dot) inside a directory are skipped, and so is a file named twice.
     *
     * @throws BadPathException listing every argument that does not exist, cannot be read, or is a
     *     directory without rule files
     */
    static List<Path> find(List<Path> arguments) throws BadPathException {
        Map<Path, Path> files = new LinkedHashMap<>(); // real path -> path as the user wrote it
        List<String> problems = new ArrayList<>();
        for (Path argument : arguments) {
            if (Files.isDirectory(argument)) {
                List<Path> found = listRuleFiles(argument, problems);
                if (found.isEmpty()) {
                    problems.add("no " + EXTENSION + " files in directory: " + argument);
                }
                found.forEach(file -> files.putIfAbsent(identity(file), file));
            } else if (Files.isRegularFile(argument)) {
                if (Files.isReadable(argument)) {
                    files.putIfAbsent(identity(argument), argument);
                } else {
                    problems.add("cannot read file: " + argument);
                }
            } else if (Files.exists(argument)) {
                problems.add("not a file or directory: " + argument);
            } else {
                problems.add("no such file or directory: " + argument);
            }
        }
        if (!problems.isEmpty()) {
            throw new BadPathException(String.join("\n", problems));
        }
        return List.copyOf(files.values());
    }

    /** Reads each file as UTF-8 (a leading byte-order mark is dropped); the name is the path as given. */
    static Loaded read(List<Path> files) throws BadPathException {
        List<SourceFile> sources = new ArrayList<>();
        List<EncodingError> encodingErrors = new ArrayList<>();
        for (Path file : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new BadPathException("cannot read file: " + file + " (" + describe(e) + ")");
            }
            try {
                String text = strictUtf8().decode(ByteBuffer.wrap(bytes)).toString();
                if (text.startsWith("\uFEFF")) {
                    text = text.substring(1);
                }
                sources.add(new SourceFile(file.toString(), text));
            } catch (CharacterCodingException e) {
                encodingErrors.add(locateEncodingError(file, bytes));
            }
        }
        return new Loaded(sources, encodingErrors);
    }

    private static List<Path> listRuleFiles(Path directory, List<String> problems) {
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths
                    .filter(path -> !isHiddenBelow(directory, path))
                    .filter(path -> path.getFileName().toString().endsWith(EXTENSION))
                    .filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(Path::toString))
                    .toList();
        } catch (IOException e) {
            problems.add("cannot read directory: " + directory + " (" + describe(e) + ")");
            return List.of();
        } catch (UncheckedIOException e) { // thrown by the stream for a folder below that cannot be read
            problems.add("cannot read directory: " + directory + " (" + describe(e.getCause()) + ")");
            return List.of();
        }
    }

    /** Whether any name between {@code root} (exclusive) and {@code path} starts with a dot. */
    private static boolean isHiddenBelow(Path root, Path path) {
        for (Path name : root.relativize(path)) {
            if (name.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** The file's real path, so that one file named twice (or through a link) is checked once. */
    private static Path identity(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file.toAbsolutePath().normalize();
        }
    }

    private static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** Finds the first byte that does not decode, and its 1-based line. */
    private static EncodingError locateEncodingError(Path file, byte[] bytes) {
        CharsetDecoder decoder = strictUtf8();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        decoder.decode(in, out, true);
        int offset = in.position();
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return new EncodingError(file, line, offset);
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}

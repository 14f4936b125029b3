package dev.vigil.server.run;

import dev.vigil.engine.DeployException;
import dev.vigil.engine.DeployResult;
import dev.vigil.engine.Engine;
import dev.vigil.engine.Utf8;
import dev.vigil.notifier.NotifierConfig;
import dev.vigil.rules.CompileResult;
import dev.vigil.rules.Diagnostic;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;
import dev.vigil.rules.ast.Rule;
import dev.vigil.server.config.ConfigProblem;
import dev.vigil.server.config.RuleChannels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The rule files of a running Vigil: the rules folder on disk, what the engine runs, and the
 * versions in the store. Every change (a PUT, a DELETE, a reload, a watched file, enabling a rule)
 * compiles the whole set first and changes nothing on any error: all or nothing.
 * Thread-safe: changes are serialized.
 */
final class RuleLibrary {
    private static final Logger LOG = LoggerFactory.getLogger(RuleLibrary.class);
    /**
     * What a rule file may be called, over the API and in the folder: at most 100 characters of
     * letters, digits, '.', '_' and '-', starting with a letter or digit, without "..", ending in
     * {@code .rules}. No separator: a rule file is a file directly in the rules folder. No leading
     * dot: the folder scan does not read hidden files. 100 characters (ASCII, so 100 bytes) stay
     * well inside every file system's limit of 255 bytes per name.
     */
    static final Pattern NAME = Pattern.compile("(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._-]{0,93}\\.rules");
    /** {@link #NAME} in words and as written, for error messages. */
    static final String NAME_RULE = "a rule file name is at most 100 letters, digits, '.', '_' and '-', starts with"
            + " a letter or digit, has no '..' and ends in .rules (" + NAME.pattern() + ")";

    private final Path dir;
    private final Engine engine;
    private final NotifierConfig notifier;
    private final RuleFileStore store;
    /** File name (in the folder) to its text: what runs now. */
    private final Map<String, String> files = new TreeMap<>();
    private final Map<String, Boolean> enabledOverrides = new LinkedHashMap<>();
    private RuleSet running;

    /** A change refused: every problem, located. */
    public static final class RejectedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient List<Problem> problems;

        RejectedException(List<Problem> problems) {
            super(String.join("\n", problems.stream().map(Problem::toString).toList()));
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }
    }

    /** A rule file name that does not match {@link #NAME}: the message names it and the rule. */
    public static final class BadNameException extends Exception {
        private static final long serialVersionUID = 1L;

        BadNameException(String name) {
            super("invalid rule file name `" + name + "`: " + NAME_RULE);
        }
    }

    /** One located problem of a rule file ({@code line} and {@code column} 0 when not known). */
    public record Problem(String file, int line, int column, String message, String formatted) {
        @Override
        public String toString() {
            return formatted;
        }
    }

    /** What a change deployed, by rule id. */
    public record Change(int version, List<String> deployed, List<String> changed, List<String> unchanged,
                         List<String> removed) {
    }

    /** A loaded file: name, store version, content hash. */
    public record FileInfo(String name, int version, String hash) {
    }

    RuleLibrary(Path dir, Engine engine, NotifierConfig notifier, RuleFileStore store) {
        this.dir = dir;
        this.engine = engine;
        this.notifier = notifier;
        this.store = store;
    }

    /** Loads and deploys every rule file of the folder (at start). */
    public synchronized Change loadFromDisk() throws RejectedException, InterruptedException {
        Map<String, String> next = readDisk();
        Change c = apply(next, null);
        next.forEach((name, text) -> store.saveRuleFileVersion(name, text, hash(text)));
        return c;
    }

    /** Reloads the folder from disk (POST /api/reload, the watcher). */
    public synchronized Change reload() throws RejectedException, InterruptedException {
        Map<String, String> next = readDisk();
        Change c = apply(next, null);
        for (Map.Entry<String, String> e : next.entrySet()) {
            store.saveRuleFileVersion(e.getKey(), e.getValue(), hash(e.getValue()));
        }
        return c;
    }

    /**
     * True when the folder differs from what runs (the watcher asks every second), or cannot be
     * loaded as it is (a misnamed or undecodable file, an unreadable folder): then a reload says why.
     */
    public synchronized boolean diskChanged() {
        try {
            return !readDisk().equals(files);
        } catch (RejectedException e) {
            return true;
        }
    }

    /** Validates, deploys and saves one file (PUT /api/rule-files/{name}); the body is strict UTF-8. */
    public synchronized Change put(String name, byte[] body)
            throws BadNameException, RejectedException, InterruptedException {
        checkName(name);
        String text = decode(name, body);
        Map<String, String> next = new TreeMap<>(files);
        next.put(name, text);
        Change c = apply(next, name);
        write(name, text);
        int version = store.saveRuleFileVersion(name, text, hash(text));
        return new Change(version, c.deployed(), c.changed(), c.unchanged(), c.removed());
    }

    /** Undeploys a file's rules and deletes it; empty when there is no such file. */
    public synchronized Optional<Change> delete(String name)
            throws BadNameException, RejectedException, InterruptedException {
        checkName(name);
        if (!files.containsKey(name)) {
            return Optional.empty();
        }
        Map<String, String> next = new TreeMap<>(files);
        next.remove(name);
        Change c = apply(next, null);
        try {
            Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            LOG.warn("rule file {} undeployed but could not be deleted from disk: {}", name, e.getMessage());
        }
        int version = store.saveRuleFileDeletion(name);
        return Optional.of(new Change(version, c.deployed(), c.changed(), c.unchanged(), c.removed()));
    }

    /**
     * Checks a text as if it replaced (or joined) the loaded files, deploying nothing: the checks of
     * {@link #put} (the same {@link #compile}, then {@link Engine#checkDeployable}, which compiles as a deploy
     * does), so what passes here deploys. {@code name} may be null (a file of its own).
     */
    public synchronized void validate(String name, byte[] body) throws BadNameException, RejectedException {
        candidate(name, body);
    }

    /** A validated candidate and the set running when it was validated: what a backtest compares. */
    record Candidate(RuleSet candidate, RuleSet running) {
    }

    /**
     * {@link #validate}, answering the candidate set (the loaded files with {@code name} replaced)
     * and the set running, read together.
     */
    synchronized Candidate candidate(String name, byte[] body) throws BadNameException, RejectedException {
        if (name != null) {
            checkName(name);
        }
        String file = name == null ? "(validate).rules" : name;
        Map<String, String> next = new TreeMap<>(files);
        next.put(file, decode(file, body));
        RuleSet set = compile(next);
        try {
            engine.checkDeployable(set);
        } catch (DeployException e) {
            throw rejected(e);
        }
        return new Candidate(set, running == null ? new RuleSet(List.of(), List.of(), List.of(), List.of()) : running);
    }

    /** Enables or disables one rule; empty when there is no such rule. */
    public synchronized Optional<Change> setEnabled(String ruleId, boolean enabled)
            throws RejectedException, InterruptedException {
        if (running == null || running.rule(ruleId).isEmpty()) {
            return Optional.empty();
        }
        Boolean previous = enabledOverrides.put(ruleId, enabled);
        try {
            return Optional.of(apply(new TreeMap<>(files), null));
        } catch (RejectedException | RuntimeException e) {
            if (previous == null) {
                enabledOverrides.remove(ruleId);
            } else {
                enabledOverrides.put(ruleId, previous);
            }
            throw e;
        }
    }

    public synchronized List<FileInfo> files() {
        List<FileInfo> out = new ArrayList<>();
        for (Map.Entry<String, String> e : files.entrySet()) {
            int version = store.latestRuleFile(e.getKey()).map(v -> v.version()).orElse(0);
            out.add(new FileInfo(e.getKey(), version, hash(e.getValue())));
        }
        return out;
    }

    public synchronized Optional<String> text(String name) throws BadNameException {
        checkName(name);
        return Optional.ofNullable(files.get(name));
    }

    /** The rules as written, with their effective enabled flag. */
    public synchronized List<Rule> rules() {
        return running == null ? List.of() : running.rules();
    }

    private Change apply(Map<String, String> next, String focus) throws RejectedException, InterruptedException {
        RuleSet set = compile(next);
        DeployResult r;
        try {
            r = engine.deploy(set);
        } catch (DeployException e) {
            throw rejected(e);
        }
        files.clear();
        files.putAll(next);
        running = set;
        List<String> deployed = r.deployed();
        List<String> unchanged = r.unchanged();
        if (focus != null) {
            List<String> ofFile = set.rules().stream().filter(x -> x.file().equals(focus)).map(Rule::id).toList();
            deployed = deployed.stream().filter(ofFile::contains).toList();
            unchanged = unchanged.stream().filter(ofFile::contains).toList();
        }
        List<String> changed = new ArrayList<>(r.changed());
        changed.addAll(r.added());
        return new Change(0, deployed, changed, unchanged, r.removed());
    }

    /** The engine's refusal as located problems: the same for a deploy and a check. */
    private static RejectedException rejected(DeployException e) {
        List<Problem> problems = new ArrayList<>();
        for (DeployException.Problem p : e.problems()) {
            problems.add(new Problem(p.file(), p.line(), p.column(), "rule " + p.rule() + ": " + p.message(),
                    p.toString()));
        }
        return new RejectedException(problems);
    }

    /** The rule set that {@code next} is, checked by the language and against the channels. */
    private RuleSet compile(Map<String, String> next) throws RejectedException {
        List<SourceFile> sources = new ArrayList<>();
        next.forEach((name, text) -> sources.add(new SourceFile(name, text)));
        CompileResult result = RulesCompiler.compile(sources);
        if (!result.ok()) {
            List<Problem> problems = new ArrayList<>();
            for (Diagnostic d : result.diagnostics()) {
                problems.add(new Problem(d.file(), d.line(), d.column(), d.message(), d.format()));
            }
            throw new RejectedException(problems);
        }
        RuleSet set = result.ruleSet().orElseThrow();
        List<ConfigProblem> channels = RuleChannels.problems(notifier, set);
        if (!channels.isEmpty()) {
            List<Problem> problems = new ArrayList<>();
            for (ConfigProblem p : channels) {
                problems.add(locate(p));
            }
            throw new RejectedException(problems);
        }
        if (enabledOverrides.isEmpty()) {
            return set;
        }
        List<Rule> rules = new ArrayList<>();
        for (Rule rule : set.rules()) {
            Boolean on = enabledOverrides.get(rule.id());
            rules.add(on == null || on == rule.enabled() ? rule : new Rule(rule.id(), rule.title(), rule.when(),
                    rule.key(), rule.severity(), rule.message(), rule.channels(), rule.throttle(), rule.labels(), on,
                    rule.mode(), rule.file(), rule.text(), rule.pos()));
        }
        return new RuleSet(set.files(), set.events(), set.tables(), rules);
    }

    /** A channel problem's path is {@code file:line:column}. */
    private static Problem locate(ConfigProblem p) {
        String[] parts = p.path().split(":");
        int line = 0;
        int column = 0;
        String file = p.path();
        if (parts.length >= 3) {
            try {
                line = Integer.parseInt(parts[parts.length - 2]);
                column = Integer.parseInt(parts[parts.length - 1]);
                file = String.join(":", java.util.Arrays.copyOf(parts, parts.length - 2));
            } catch (NumberFormatException e) {
                line = 0;
            }
        }
        return new Problem(file, line, column, p.message(), p.toString());
    }

    /**
     * The rule files of the folder, by name: every file directly in it whose name ends in
     * {@code .rules}. Hidden files and folders (names starting with a dot: editor and system files,
     * the {@code ..data} folders of a mounted Kubernetes ConfigMap) are not read. Any other file
     * ending in {@code .rules} (a name that {@link #NAME} refuses, a file in a sub-folder) refuses
     * the whole folder, as a rule error does: what runs is always every rule file of the folder.
     */
    private Map<String, String> readDisk() throws RejectedException {
        if (!Files.isDirectory(dir)) {
            throw new RejectedException(List.of(new Problem(dir.toString(), 0, 0, "rules folder does not exist",
                    dir + ": rules folder does not exist")));
        }
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return d.equals(dir) || !hidden(d) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (!hidden(file) && file.getFileName().toString().endsWith(".rules") && Files.isRegularFile(file)) {
                        found.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new RejectedException(List.of(new Problem(dir.toString(), 0, 0, "cannot read rules folder: "
                    + e.getMessage(), dir + ": cannot read rules folder: " + e.getMessage())));
        }
        Map<String, String> out = new TreeMap<>();
        List<Problem> problems = new ArrayList<>();
        found.sort(null);
        for (Path p : found) {
            String name = dir.relativize(p).toString().replace('\\', '/');
            if (!NAME.matcher(name).matches()) {
                String message = (name.contains("/") ? "rule file in a sub-folder: rule files are read from the"
                        + " rules folder itself; move it up or out" : "not a valid rule file name; rename it")
                        + " (" + NAME_RULE + ")";
                problems.add(new Problem(name, 0, 0, message, name + ": " + message));
                continue;
            }
            try {
                out.put(name, decode(name, Files.readAllBytes(p)));
            } catch (RejectedException e) {
                problems.addAll(e.problems());
            } catch (IOException e) {
                String message = "cannot read rule file: " + e.getMessage();
                problems.add(new Problem(name, 0, 0, message, name + ": " + message));
            }
        }
        if (!problems.isEmpty()) {
            throw new RejectedException(problems);
        }
        return out;
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    /** Refuses a name that does not match {@link #NAME}. */
    static void checkName(String name) throws BadNameException {
        if (!NAME.matcher(name).matches()) {
            throw new BadNameException(name);
        }
    }

    /**
     * A rule file's bytes as its text: strict UTF-8, as {@code vigil check} reads a file (the spec
     * makes anything else an error of the file), and a leading byte-order mark dropped.
     *
     * @throws RejectedException naming the line and column of the first byte that is not UTF-8
     */
    static String decode(String name, byte[] bytes) throws RejectedException {
        String text;
        try {
            text = Utf8.decode(bytes);
        } catch (Utf8.MalformedException e) {
            int offset = e.offset();
            // The bytes before the bad one decode; the column counts characters, as the compiler's do.
            String before = new String(bytes, 0, offset, StandardCharsets.UTF_8);
            if (before.startsWith("\uFEFF")) {
                before = before.substring(1);
            }
            int lineStart = before.lastIndexOf('\n') + 1;
            int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
            int column = before.codePointCount(lineStart, before.length()) + 1;
            String message = "not valid UTF-8 text (first bad byte at offset " + offset + ")";
            throw new RejectedException(List.of(new Problem(name, line, column, message,
                    name + ":" + line + ":" + column + ": " + message)));
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private void write(String name, String text) {
        Path target = dir.resolve(name);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".vigil-", ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.error("rule file {} is deployed but could not be written to {}: {}", name, target, e.getMessage());
        }
    }

    static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

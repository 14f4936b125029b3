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

    /** Who the files read at start are recorded as. */
    static final String AT_START = "start";
    /** Who a change seen in the watched rules folder is recorded as. */
    static final String FOLDER = "folder";

    /** Loads and deploys every rule file of the folder (at start). */
    public synchronized Change loadFromDisk() throws RejectedException, InterruptedException {
        // What the store last had: a file deleted from the folder while Vigil was down is recorded
        // as deleted at start.
        Map<String, String> before = new TreeMap<>();
        store.latestRuleFiles().forEach(v -> before.put(v.name(), v.text()));
        Map<String, String> next = readDisk();
        RuleSet previous = running;
        Change c = apply(next, null);
        saveFolder(before, next, c, previous, AT_START, "start");
        return c;
    }

    /**
     * Reloads the folder from disk: {@code POST /api/reload} (action {@code reload}, by the token's
     * name) or the watcher ({@code who} = {@link #FOLDER}, action {@code folder}).
     */
    public synchronized Change reload(String who) throws RejectedException, InterruptedException {
        Map<String, String> before = Map.copyOf(files);
        Map<String, String> next = readDisk();
        RuleSet previous = running;
        Change c = apply(next, null);
        saveFolder(before, next, c, previous, who, who.equals(FOLDER) ? FOLDER : "reload");
        return c;
    }

    /**
     * Saves a version of every file of the folder whose text is not the store's latest (one read
     * at start is saved only when it changed since), a deletion for every file gone from the
     * folder since the last load, and audits each.
     */
    private void saveFolder(Map<String, String> before, Map<String, String> next, Change c, RuleSet previous,
            String who, String action) {
        for (Map.Entry<String, String> e : next.entrySet()) {
            String hash = hash(e.getValue());
            boolean same = store.latestRuleFile(e.getKey()).map(v -> v.hash().equals(hash)).orElse(false);
            if (!same) {
                String summary = summary(ofFile(c, e.getKey(), previous));
                int version = store.saveRuleFileVersion(e.getKey(), e.getValue(), hash, who, summary);
                audit(who, action, e.getKey(), java.util.OptionalInt.of(version), summary);
            }
        }
        for (String gone : before.keySet()) {
            if (!next.containsKey(gone)) {
                String summary = "deleted; " + summary(ofFile(c, gone, previous));
                int version = store.saveRuleFileDeletion(gone, who, summary);
                audit(who, action, gone, java.util.OptionalInt.of(version), summary);
            }
        }
        if (action.equals("reload") && before.equals(next)) {
            audit(who, action, "(rules folder)", java.util.OptionalInt.empty(), "no file changed");
        }
    }

    /** The part of a change about one file's rules: those it has now, and those it had before. */
    private Change ofFile(Change c, String file, RuleSet previous) {
        java.util.function.Predicate<String> now = id -> running != null && running.rule(id)
                .map(r -> r.file().equals(file)).orElse(false);
        java.util.function.Predicate<String> was = id -> previous != null && previous.rule(id)
                .map(r -> r.file().equals(file)).orElse(false);
        return new Change(c.version(), c.deployed().stream().filter(now).toList(),
                c.changed().stream().filter(now).toList(), c.unchanged().stream().filter(now).toList(),
                c.removed().stream().filter(was).toList());
    }

    /** A change in words, for the versions list and the audit log: "changed: a, b; unchanged: c". */
    static String summary(Change c) {
        List<String> parts = new ArrayList<>();
        if (!c.changed().isEmpty()) {
            parts.add("changed: " + String.join(", ", c.changed()));
        }
        if (!c.removed().isEmpty()) {
            parts.add("removed: " + String.join(", ", c.removed()));
        }
        if (!c.unchanged().isEmpty()) {
            parts.add("unchanged: " + String.join(", ", c.unchanged()));
        }
        return parts.isEmpty() ? "no rules" : String.join("; ", parts);
    }

    /** Records a change that made no rule-file version (a table set through the API) in the audit log. */
    public void record(String who, String action, String target, String summary) {
        audit(who, action, target, java.util.OptionalInt.empty(), summary);
    }

    /** Records a change in the audit log and the log. */
    private void audit(String who, String action, String target, java.util.OptionalInt version, String summary) {
        LOG.info("audit: {} {} {}{}: {}", who, action, target,
                version.isPresent() ? " (version " + version.getAsInt() + ")" : "", summary);
        try {
            store.audit(who, action, target, version, summary);
        } catch (dev.vigil.notifier.StoreException e) {
            // The change is made (and logged above); failing it now would undo nothing.
            LOG.error("audit: the entry above is not in the audit log: {}", e.getMessage());
        }
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
    public synchronized Change put(String name, byte[] body, String who)
            throws BadNameException, RejectedException, InterruptedException {
        checkName(name);
        return save(name, decode(name, body), who, "put", "");
    }

    private Change save(String name, String text, String who, String action, String prefix)
            throws RejectedException, InterruptedException {
        Map<String, String> next = new TreeMap<>(files);
        next.put(name, text);
        Change c = apply(next, name);
        write(name, text);
        String summary = prefix + summary(c);
        int version = store.saveRuleFileVersion(name, text, hash(text), who, summary);
        audit(who, action, name, java.util.OptionalInt.of(version), summary);
        return new Change(version, c.deployed(), c.changed(), c.unchanged(), c.removed());
    }

    /**
     * Deploys an earlier version's text as the file's next version ({@code POST .../rollback}),
     * with the same all-or-nothing rule and state-keeping as {@link #put}.
     *
     * @throws NoSuchVersionException when the file has no such version, or it is a deletion
     */
    public synchronized Change rollback(String name, int version, String who)
            throws BadNameException, RejectedException, InterruptedException, NoSuchVersionException {
        checkName(name);
        RuleFileVersion v = store.ruleFileVersion(name, version)
                .orElseThrow(() -> new NoSuchVersionException("rule file " + name + " has no version " + version));
        if (v.deleted()) {
            throw new NoSuchVersionException("version " + version + " of " + name + " is its deletion: there is no"
                    + " text to roll back to (DELETE the file instead)");
        }
        return save(name, v.text(), who, "rollback", "rollback to version " + version + "; ");
    }

    /** A version asked for that the store does not have. */
    public static final class NoSuchVersionException extends Exception {
        private static final long serialVersionUID = 1L;

        NoSuchVersionException(String message) {
            super(message);
        }
    }

    /** Every version of a rule file, oldest first; empty when the name never had one. */
    public List<RuleFileVersion> versions(String name) throws BadNameException {
        checkName(name);
        return store.ruleFileVersions(name);
    }

    /** One version of a rule file. */
    public Optional<RuleFileVersion> version(String name, int version) throws BadNameException {
        checkName(name);
        return store.ruleFileVersion(name, version);
    }

    /** The audit log, newest first. */
    public List<RuleFileStore.AuditEntry> auditLog(int limit, java.util.OptionalLong before) {
        return store.auditLog(limit, before);
    }

    /** Undeploys a file's rules and deletes it; empty when there is no such file. */
    public synchronized Optional<Change> delete(String name, String who)
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
        String summary = "deleted; " + summary(c);
        int version = store.saveRuleFileDeletion(name, who, summary);
        audit(who, "delete", name, java.util.OptionalInt.of(version), summary);
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
    public synchronized Optional<Change> setEnabled(String ruleId, boolean enabled, String who)
            throws RejectedException, InterruptedException {
        if (running == null || running.rule(ruleId).isEmpty()) {
            return Optional.empty();
        }
        Boolean previous = enabledOverrides.put(ruleId, enabled);
        try {
            Change c = apply(new TreeMap<>(files), null);
            audit(who, enabled ? "enable" : "disable", ruleId, java.util.OptionalInt.empty(), summary(c));
            return Optional.of(c);
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

package dev.vigil.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.vigil.engine.EngineOptions;
import dev.vigil.notifier.NotifierConfig;
import dev.vigil.notifier.Secret;
import dev.vigil.notifier.StoreConfig;
import dev.vigil.rules.Horizon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the YAML configuration: {@code ${VAR}} and {@code ${VAR:-default}} from the environment,
 * then every section validated, every problem reported with its path
 * ({@code server.prot: unknown key; did you mean "port"?}).
 */
public final class ConfigLoader {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
    private static final List<String> TOP = List.of("rules", "time", "state", "engine", "tables", "server",
            "sources", "channels", "routes", "store");
    private static final long DEFAULT_MAX_BODY = 10L * 1024 * 1024;
    private static final int DEFAULT_QUEUE = 100_000;

    private final Map<String, String> env;

    /**
     * The longest {@code time.lateness}: every event is held this long before rules see it, so alerts
     * come that much later and held events stay in memory (at 4,000 events/s an hour holds 14 million);
     * an hour covers the disorder of real sources (batching uploaders, Kafka rebalances).
     */
    static final Duration MAX_LATENESS = Duration.ofHours(1);

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public static ConfigLoader fromEnvironment() {
        return new ConfigLoader(System.getenv());
    }

    public VigilConfig load(Path file) throws ConfigException {
        JsonNode root;
        try {
            root = Yaml.readTree(Files.readString(file), "a configuration file");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            // SnakeYAML's messages quote the source with carets on lines of their own: keep the words.
            String message = String.join("; ", e.getOriginalMessage().lines()
                    .filter(l -> !l.isBlank() && !l.startsWith(" ") && !l.startsWith("\t")).toList());
            var duplicate = java.util.regex.Pattern.compile("Duplicate field '(.*)'").matcher(message);
            if (duplicate.matches()) {
                message = "key `" + duplicate.group(1) + "` appears twice in one mapping";
            }
            throw new ConfigException(List.of(new ConfigProblem(at == null ? "(file)"
                    : "line " + at.getLineNr() + ", column " + at.getColumnNr(), "not valid YAML: " + message)));
        } catch (java.nio.charset.MalformedInputException e) {
            throw new ConfigException(List.of(new ConfigProblem("(file)", "not valid UTF-8: the configuration file"
                    + " must be UTF-8 text")));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem("(file)", "cannot read configuration: "
                    + e.getMessage())));
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(root == null ? JsonNodeFactory.instance.objectNode() : root, base);
    }

    /** Parses an already read tree; relative paths resolve against {@code base}. */
    public VigilConfig parse(JsonNode rawRoot, Path base) throws ConfigException {
        ConfigReader r = new ConfigReader();
        JsonNode root = substitute(rawRoot, "", r);
        ObjectNode top = r.object(root, "(file)").orElse(JsonNodeFactory.instance.objectNode());
        r.onlyKeys(top, "", TOP);

        ObjectNode rulesNode = section(top, "rules", r);
        r.onlyKeys(rulesNode, "rules", List.of("dir", "watch", "allowRawEpl", "maxPartialMatches", "compileBudget",
                "maxKeys", "maxWindowEvents"));
        Duration compileBudget = Duration.ofSeconds(10);
        Optional<String> budgetText = r.string(rulesNode, "rules", "compileBudget", false);
        if (budgetText.isPresent()) {
            try {
                compileBudget = Durations.parse(budgetText.get());
                if (compileBudget.isZero()) {
                    r.problem("rules.compileBudget", "must be positive, got \"" + budgetText.get() + "\"");
                    compileBudget = Duration.ofSeconds(10);
                }
            } catch (IllegalArgumentException e) {
                r.problem("rules.compileBudget", e.getMessage());
            }
        }
        VigilConfig.Rules rules = new VigilConfig.Rules(
                base.resolve(r.string(rulesNode, "rules", "dir", false).orElse("rules")).normalize(),
                r.bool(rulesNode, "rules", "watch").orElse(false),
                r.bool(rulesNode, "rules", "allowRawEpl").orElse(false),
                r.integer(rulesNode, "rules", "maxPartialMatches", 0, 100_000_000)
                        .map(Integer::longValue).orElse(EngineOptions.DEFAULT_MAX_PARTIAL_MATCHES),
                compileBudget,
                r.integer(rulesNode, "rules", "maxKeys", 0, 1_000_000_000)
                        .map(Integer::longValue).orElse(EngineOptions.DEFAULT_MAX_KEYS),
                r.integer(rulesNode, "rules", "maxWindowEvents", 0, 1_000_000_000)
                        .map(Integer::longValue).orElse(EngineOptions.DEFAULT_MAX_WINDOW_EVENTS));

        ObjectNode timeNode = section(top, "time", r);
        r.onlyKeys(timeNode, "time", List.of("mode", "lateness", "maxFuture"));
        VigilConfig.TimeMode mode = VigilConfig.TimeMode.EVENT;
        Optional<String> modeText = r.string(timeNode, "time", "mode", false);
        if (modeText.isPresent()) {
            switch (modeText.get().toLowerCase(Locale.ROOT)) {
                case "event" -> mode = VigilConfig.TimeMode.EVENT;
                case "processing" -> mode = VigilConfig.TimeMode.PROCESSING;
                default -> r.problem("time.mode", "expected event or processing, got \"" + modeText.get() + "\"");
            }
        }
        Duration lateness = Duration.ofSeconds(2);
        Optional<String> latenessText = r.string(timeNode, "time", "lateness", false);
        if (latenessText.isPresent()) {
            try {
                lateness = Durations.parse(latenessText.get());
                if (lateness.compareTo(MAX_LATENESS) > 0) {
                    r.problem("time.lateness", "at most 1 h, got \"" + latenessText.get() + "\"");
                    lateness = MAX_LATENESS;
                }
            } catch (IllegalArgumentException e) {
                r.problem("time.lateness", e.getMessage());
            }
        }
        Duration maxFuture = Duration.ofMinutes(5);
        Optional<String> maxFutureText = r.string(timeNode, "time", "maxFuture", false);
        if (maxFutureText.isPresent()) {
            try {
                maxFuture = Durations.parse(maxFutureText.get());
                if (maxFuture.toDays() > 36_500) {
                    r.problem("time.maxFuture", "at most 36500 d, got \"" + maxFutureText.get() + "\"");
                    maxFuture = Duration.ofMinutes(5);
                }
            } catch (IllegalArgumentException e) {
                r.problem("time.maxFuture", e.getMessage());
            }
        }

        ObjectNode stateNode = section(top, "state", r);
        r.onlyKeys(stateNode, "state", List.of("maxHorizon"));
        Duration maxHorizon = r.duration(stateNode, "state", "maxHorizon").orElse(Horizon.DEFAULT_MAX);
        if (maxHorizon.compareTo(EngineOptions.MAX_MAX_HORIZON) > 0) {
            r.problem("state.maxHorizon", "at most " + EngineOptions.MAX_MAX_HORIZON.toDays() + " d, got \""
                    + stateNode.get("maxHorizon").asText() + "\"");
            maxHorizon = Horizon.DEFAULT_MAX;
        }

        ObjectNode engineNode = section(top, "engine", r);
        r.onlyKeys(engineNode, "engine", List.of("shards"));
        VigilConfig.EngineSection engine = new VigilConfig.EngineSection(
                r.integer(engineNode, "engine", "shards", 1, EngineOptions.MAX_SHARDS)
                        .orElse(VigilConfig.EngineSection.defaultShards()));

        Map<String, VigilConfig.Table> tables = new java.util.LinkedHashMap<>();
        ObjectNode tablesNode = section(top, "tables", r);
        for (var e : (Iterable<Map.Entry<String, JsonNode>>) tablesNode::fields) {
            String p = "tables." + e.getKey();
            Optional<ObjectNode> t = r.object(e.getValue(), p);
            if (t.isEmpty()) {
                continue;
            }
            r.onlyKeys(t.get(), p, List.of("file", "watch", "kafka", "jdbc"));
            if (t.get().has("jdbc")) {
                if (t.get().has("file") || t.get().has("kafka")) {
                    r.problem(p, "a table has one source: file, kafka or jdbc");
                    continue;
                }
                Optional<ObjectNode> j = r.object(t.get().get("jdbc"), p + ".jdbc");
                if (j.isEmpty()) {
                    continue;
                }
                String jp = p + ".jdbc";
                r.onlyKeys(j.get(), jp, List.of("url", "user", "password", "query", "refresh", "lookup", "cacheSize",
                        "cacheTtl"));
                boolean lookup = r.bool(j.get(), jp, "lookup").orElse(false);
                long cacheSize = r.integer(j.get(), jp, "cacheSize", 1, 100_000_000).map(Integer::longValue)
                        .orElse(100_000L);
                Duration cacheTtl = Duration.ofMinutes(5);
                Optional<String> ttlText = r.string(j.get(), jp, "cacheTtl", false);
                if (ttlText.isPresent()) {
                    try {
                        cacheTtl = Durations.parse(ttlText.get());
                        if (cacheTtl.isZero()) {
                            r.problem(jp + ".cacheTtl", "must be positive, got \"" + ttlText.get() + "\"");
                            cacheTtl = Duration.ofMinutes(5);
                        }
                    } catch (IllegalArgumentException ex) {
                        r.problem(jp + ".cacheTtl", ex.getMessage());
                    }
                }
                Optional<String> queryText = r.string(j.get(), jp, "query", true);
                if (lookup && queryText.isPresent() && !queryText.get().contains("?")) {
                    r.problem(jp + ".query", "a lookup query reads one key: write a `?` for each key field, as in"
                            + " \"select ... from products where sku = ?\"");
                }
                Duration refresh = Duration.ofMinutes(5);
                Optional<String> refreshText = r.string(j.get(), jp, "refresh", false);
                if (refreshText.isPresent()) {
                    try {
                        refresh = Durations.parse(refreshText.get());
                        if (refresh.toMillis() < 1000) {
                            r.problem(jp + ".refresh", "at least 1 s, got \"" + refreshText.get() + "\"");
                        }
                    } catch (IllegalArgumentException ex) {
                        r.problem(jp + ".refresh", ex.getMessage());
                    }
                }
                tables.put(e.getKey(), new VigilConfig.Table(null, false, null, new VigilConfig.TableJdbc(
                        r.string(j.get(), jp, "url", true).orElse(""), r.string(j.get(), jp, "user", false).orElse(""),
                        r.string(j.get(), jp, "password", false).orElse(""), queryText.orElse(""), refresh, lookup,
                        cacheSize, cacheTtl)));
                continue;
            }
            if (t.get().has("kafka")) {
                if (t.get().has("file")) {
                    r.problem(p, "a table has one source: file or kafka, not both");
                    continue;
                }
                Optional<ObjectNode> k = r.object(t.get().get("kafka"), p + ".kafka");
                if (k.isEmpty()) {
                    continue;
                }
                String kp = p + ".kafka";
                r.onlyKeys(k.get(), kp, List.of("bootstrapServers", "topic", "format", "groupId", "properties"));
                String format = r.string(k.get(), kp, "format", false).orElse("upsert");
                if (!format.equals("upsert") && !format.equals("debezium")) {
                    r.problem(kp + ".format", "expected upsert or debezium, got \"" + format + "\"");
                }
                tables.put(e.getKey(), new VigilConfig.Table(null, false, new VigilConfig.TableKafka(
                        r.string(k.get(), kp, "bootstrapServers", true).orElse(""),
                        r.string(k.get(), kp, "topic", true).orElse(""), format,
                        r.string(k.get(), kp, "groupId", false).orElse("vigil-table-" + e.getKey()),
                        r.stringMap(k.get(), kp, "properties"))));
                continue;
            }
            Optional<String> file = r.string(t.get(), p, "file", true);
            boolean watch = r.bool(t.get(), p, "watch").orElse(false);
            file.ifPresent(f -> tables.put(e.getKey(), new VigilConfig.Table(base.resolve(f).normalize(), watch, null)));
        }

        ObjectNode serverNode = section(top, "server", r);
        r.onlyKeys(serverNode, "server", List.of("host", "port", "adminToken", "adminTokens", "backtest"));
        List<VigilConfig.AdminToken> adminTokens = adminTokens(serverNode, r);
        String host = r.string(serverNode, "server", "host", false)
                .orElse(adminTokens.isEmpty() ? "127.0.0.1" : "0.0.0.0");
        VigilConfig.Server server = new VigilConfig.Server(host,
                r.integer(serverNode, "server", "port", 0, 65535).orElse(8080), adminTokens,
                backtest(serverNode.get("backtest"), r));

        VigilConfig.Sources sources = sources(section(top, "sources", r), base, r);

        NotifierConfig notifier = NotifierConfig.empty();
        try {
            NotifierConfig n = NotifierSections.parse(top.get("channels"), top.get("routes"), top.get("store"));
            notifier = new NotifierConfig(n.channels(), n.routes(),
                    new StoreConfig(base.resolve(n.store().path()).normalize()));
        } catch (ConfigException e) {
            e.problems().forEach(p -> r.problem(p.path(), p.message()));
        }
        VigilConfig.Journal journal = journal(top.get("store"), base, notifier.store().path(), r);
        if (!r.problems().isEmpty()) {
            throw new ConfigException(r.problems());
        }
        return new VigilConfig(rules, new VigilConfig.Time(mode, lateness, maxFuture),
                new VigilConfig.State(maxHorizon), server, sources, notifier, journal, engine, tables);
    }

    /**
     * {@code server.backtest}: {@code maxEvents} (1 to 100,000,000), {@code timeLimit} (at most
     * 10 min), {@code maxWindow} (at most 365 days, the engine's longest horizon), {@code concurrent}
     * (1 to 8); each absent key keeps its default.
     */
    private static VigilConfig.Backtest backtest(JsonNode n, ConfigReader r) {
        VigilConfig.Backtest d = VigilConfig.Backtest.DEFAULT;
        if (ConfigReader.absent(n)) {
            return d;
        }
        String path = "server.backtest";
        Optional<ObjectNode> maybe = r.object(n, path);
        if (maybe.isEmpty()) {
            return d;
        }
        ObjectNode o = maybe.get();
        r.onlyKeys(o, path, List.of("maxEvents", "timeLimit", "maxWindow", "concurrent"));
        long maxEvents = r.integer(o, path, "maxEvents", 1, 100_000_000).map(Integer::longValue).orElse(d.maxEvents());
        Duration timeLimit = r.duration(o, path, "timeLimit").orElse(d.timeLimit());
        if (timeLimit.compareTo(Duration.ofMinutes(10)) > 0) {
            r.problem(path + ".timeLimit", "must be at most 10m (a backtest holds two engines and a request): \""
                    + o.get("timeLimit").asText() + "\"");
            timeLimit = d.timeLimit();
        }
        Duration maxWindow = r.duration(o, path, "maxWindow").orElse(d.maxWindow());
        if (maxWindow.compareTo(Duration.ofDays(365)) > 0) {
            r.problem(path + ".maxWindow", "must be at most 365d: \"" + o.get("maxWindow").asText() + "\"");
            maxWindow = d.maxWindow();
        }
        int concurrent = r.integer(o, path, "concurrent", 1, 8).orElse(d.concurrent());
        return new VigilConfig.Backtest(maxEvents, timeLimit, maxWindow, concurrent);
    }

    /** {@code store.journal}: {@code enabled}, {@code path}, {@code fsync}, {@code fsyncInterval}. */
    private static VigilConfig.Journal journal(JsonNode store, Path base, Path storePath, ConfigReader r) {
        VigilConfig.Journal d = VigilConfig.Journal.beside(storePath);
        if (store == null || !store.isObject() || ConfigReader.absent(store.get("journal"))) {
            return d;
        }
        Optional<ObjectNode> maybe = r.object(store.get("journal"), "store.journal");
        if (maybe.isEmpty()) {
            return d;
        }
        ObjectNode j = maybe.get();
        r.onlyKeys(j, "store.journal", List.of("enabled", "path", "fsync", "fsyncInterval"));
        boolean enabled = r.bool(j, "store.journal", "enabled").orElse(true);
        Path dir = d.dir();
        Optional<String> path = r.string(j, "store.journal", "path", false);
        if (path.isPresent()) {
            try {
                dir = base.resolve(path.get()).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                r.problem("store.journal.path", "not a folder path: \"" + path.get() + "\"");
            }
        }
        String fsync = d.fsync();
        Optional<String> fsyncText = r.string(j, "store.journal", "fsync", false);
        if (fsyncText.isPresent()) {
            fsync = fsyncText.get().toLowerCase(Locale.ROOT);
            if (!List.of("always", "batch", "never").contains(fsync)) {
                r.problem("store.journal.fsync", "expected always, batch or never, got \"" + fsyncText.get() + "\"");
                fsync = d.fsync();
            }
        }
        Duration interval = d.fsyncInterval();
        Optional<String> intervalText = r.string(j, "store.journal", "fsyncInterval", false);
        if (intervalText.isPresent()) {
            try {
                interval = Durations.parse(intervalText.get());
                if (interval.isZero() || interval.compareTo(Duration.ofMinutes(1)) > 0) {
                    r.problem("store.journal.fsyncInterval", "expected more than 0 and at most 1 min, got \""
                            + intervalText.get() + "\"");
                    interval = d.fsyncInterval();
                }
            } catch (IllegalArgumentException e) {
                r.problem("store.journal.fsyncInterval", e.getMessage());
            }
        }
        return new VigilConfig.Journal(enabled, dir, fsync, interval);
    }

    private static VigilConfig.Sources sources(ObjectNode s, Path base, ConfigReader r) {
        r.onlyKeys(s, "sources", List.of("http", "kafka", "files"));
        ObjectNode h = s.has("http") ? r.object(s.get("http"), "sources.http").orElse(empty()) : empty();
        r.onlyKeys(h, "sources.http", List.of("enabled", "token", "maxBodyBytes", "queue"));
        VigilConfig.Http http = new VigilConfig.Http(
                r.bool(h, "sources.http", "enabled").orElse(true),
                r.string(h, "sources.http", "token", false).map(Secret::of),
                r.integer(h, "sources.http", "maxBodyBytes", 1, Integer.MAX_VALUE).map(Integer::longValue)
                        .orElse(DEFAULT_MAX_BODY),
                r.integer(h, "sources.http", "queue", 1, 100_000_000).orElse(DEFAULT_QUEUE));

        List<VigilConfig.Kafka> kafka = new ArrayList<>();
        for (ObjectNode k : list(s, "kafka", "sources.kafka", r)) {
            String p = "sources.kafka[" + kafka.size() + "]";
            r.onlyKeys(k, p, List.of("bootstrapServers", "topics", "topicPattern", "groupId", "properties"));
            List<String> topics = r.strings(k, p, "topics", false);
            Optional<String> pattern = r.string(k, p, "topicPattern", false);
            if (topics.isEmpty() && pattern.isEmpty()) {
                r.problem(p, "needs topics or a topicPattern");
            }
            kafka.add(new VigilConfig.Kafka(r.string(k, p, "bootstrapServers", true).orElse(""), topics, pattern,
                    r.string(k, p, "groupId", true).orElse(""), r.stringMap(k, p, "properties")));
        }

        List<VigilConfig.File> files = new ArrayList<>();
        for (ObjectNode f : list(s, "files", "sources.files", r)) {
            String p = "sources.files[" + files.size() + "]";
            r.onlyKeys(f, p, List.of("path", "speed", "type", "follow"));
            String speedText = r.string(f, p, "speed", false).orElse("max");
            double speed = 0;
            if (!speedText.equalsIgnoreCase("max")) {
                try {
                    speed = Double.parseDouble(speedText);
                } catch (NumberFormatException e) {
                    speed = -1;
                }
                if (!(speed > 0) || Double.isInfinite(speed)) {
                    r.problem(ConfigReader.child(p, "speed"), "expected max or a positive number, got \"" + speedText + "\"");
                }
            }
            Path path = base.resolve(r.string(f, p, "path", true).orElse("")).normalize();
            files.add(new VigilConfig.File(path, speed, r.string(f, p, "type", false),
                    r.bool(f, p, "follow").orElse(false)));
        }
        return new VigilConfig.Sources(http, kafka, files);
    }

    private static List<ObjectNode> list(ObjectNode parent, String key, String path, ConfigReader r) {
        JsonNode n = parent.get(key);
        if (ConfigReader.absent(n)) {
            return List.of();
        }
        if (!n.isArray()) {
            r.problem(path, "expected a list, got " + ConfigReader.kind(n));
            return List.of();
        }
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            r.object(n.get(i), ConfigReader.index(path, i)).ifPresent(out::add);
        }
        return out;
    }

    private static ObjectNode section(ObjectNode top, String key, ConfigReader r) {
        JsonNode n = top.get(key);
        if (ConfigReader.absent(n)) {
            return empty();
        }
        return r.object(n, key).orElse(empty());
    }

    private static ObjectNode empty() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** Replaces {@code ${VAR}} and {@code ${VAR:-default}} in every string; an unset variable without default is a problem. */
    private JsonNode substitute(JsonNode node, String path, ConfigReader r) {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            String text = node.textValue();
            Matcher m = VARIABLE.matcher(text);
            StringBuilder out = new StringBuilder();
            boolean changed = false;
            while (m.find()) {
                changed = true;
                String value = env.get(m.group(1));
                if (value == null) {
                    if (m.group(2) != null) {
                        value = m.group(3);
                    } else {
                        r.problem(path.isEmpty() ? "(file)" : path, "environment variable " + m.group(1)
                                + " is not set (write ${" + m.group(1) + ":-default} for a default)");
                        value = "";
                    }
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            if (!changed) {
                return node;
            }
            m.appendTail(out);
            return TextNode.valueOf(out.toString());
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                copy.set(e.getKey(), substitute(e.getValue(), ConfigReader.child(path, e.getKey()), r));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < node.size(); i++) {
                copy.add(substitute(node.get(i), ConfigReader.index(path, i), r));
            }
            return copy;
        }
        return node;
    }

    /**
     * Whether a token has no spaces at its start or end: the bearer header's value is trimmed, so
     * such a token could never be sent; reported as a problem of {@code path}.
     */
    private static boolean untrimmed(String token, String path, ConfigReader r) {
        if (!token.equals(token.strip())) {
            r.problem(path, "starts or ends with white space, which no Authorization header can carry;"
                    + " remove it");
            return false;
        }
        return true;
    }

    /**
     * {@code server.adminToken} (acting as "admin") and {@code server.adminTokens: [{name, token}]}:
     * names and tokens each unique, so that every change is recorded under one name.
     */
    private static List<VigilConfig.AdminToken> adminTokens(ObjectNode serverNode, ConfigReader r) {
        List<VigilConfig.AdminToken> out = new ArrayList<>();
        r.string(serverNode, "server", "adminToken", false).ifPresent(t -> {
            if (untrimmed(t, "server.adminToken", r)) {
                out.add(new VigilConfig.AdminToken("admin", Secret.of(t)));
            }
        });
        JsonNode list = serverNode.get("adminTokens");
        if (ConfigReader.absent(list)) {
            return out;
        }
        String path = "server.adminTokens";
        if (!list.isArray()) {
            r.problem(path, "expected a list of {name, token}, got " + ConfigReader.kind(list));
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            String p = ConfigReader.index(path, i);
            Optional<ObjectNode> o = r.object(list.get(i), p);
            if (o.isEmpty()) {
                continue;
            }
            r.onlyKeys(o.get(), p, List.of("name", "token"));
            Optional<String> name = r.string(o.get(), p, "name", true);
            Optional<String> token = r.string(o.get(), p, "token", true);
            if (name.isEmpty() || token.isEmpty() || !untrimmed(token.get(), ConfigReader.child(p, "token"), r)) {
                continue;
            }
            if (!name.get().matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) {
                r.problem(ConfigReader.child(p, "name"), "`" + name.get() + "` is not a name: at most 64 letters,"
                        + " digits, '.', '_', '@' and '-', starting with a letter or digit");
                continue;
            }
            boolean taken = false;
            for (VigilConfig.AdminToken t : out) {
                if (t.name().equals(name.get())) {
                    r.problem(ConfigReader.child(p, "name"), "`" + name.get() + "` is already the name of "
                            + (t.name().equals("admin") && serverNode.has("adminToken") ? "server.adminToken"
                            : "another token") + "; each token has its own name");
                    taken = true;
                } else if (t.token().reveal().equals(token.get())) {
                    r.problem(ConfigReader.child(p, "token"), "the same token as `" + t.name()
                            + "`: each name needs its own token, or changes cannot be told apart");
                    taken = true;
                }
            }
            if (!taken) {
                out.add(new VigilConfig.AdminToken(name.get(), Secret.of(token.get())));
            }
        }
        return out;
    }

}

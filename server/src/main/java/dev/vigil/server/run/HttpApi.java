package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.connectors.HttpIngest;
import dev.vigil.connectors.HttpSource;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineStats;
import dev.vigil.engine.Json;
import dev.vigil.engine.Times;
import dev.vigil.notifier.AlertHistory;
import dev.vigil.notifier.AlertQuery;
import dev.vigil.notifier.ChannelStats;
import dev.vigil.notifier.DeadLetter;
import dev.vigil.notifier.DeliveryAttempt;
import dev.vigil.notifier.DeliveryState;
import dev.vigil.notifier.NotifierStats;
import dev.vigil.notifier.OutboxEntry;
import dev.vigil.notifier.Secret;
import dev.vigil.notifier.StoreCounts;
import dev.vigil.notifier.StoredAlert;
import dev.vigil.rules.Horizon;
import dev.vigil.rules.ast.Rule;
import dev.vigil.server.config.VigilConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The HTTP side of {@code vigil run} (interfaces.md, "Admin API"): the admin API under {@code /api}
 * (bearer token), event ingest at {@code POST /events} (optional token), health, readiness and
 * Prometheus metrics. Errors are JSON: {@code {"error": "..."}}.
 */
final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final AtomicLong INCIDENTS = new AtomicLong();
    /** How long a connection may send nothing: long for a real client on a slow link, short for an attack. */
    static final long IDLE_TIMEOUT_MILLIS = 10_000;
    /** Deliveries the admin API can act on: retrying a dead letter. */
    interface DeadLetters {
        /** Puts a dead letter back in the outbox; false when there is no such dead letter. */
        boolean retry(long id);
    }

    private final ObjectMapper json = Json.mapper();
    private final VigilConfig config;
    private final Engine engine;
    private final RuleLibrary library;
    private final AlertHistory store;
    private final DeadLetters deadLetters;
    private final Metrics metrics;
    private final HttpIngest ingest;
    private final HttpSource source;
    private final java.util.function.BooleanSupplier ready;
    private final LongSupplier rejectedEvents;
    private final Durability durability;
    private final TableService tables;
    private final AlertStream alertStream;
    private final java.time.Clock clock;
    private final java.util.function.Supplier<NotifierStats> notifierStats;
    private final StatsHistory history;
    private Javalin app;

    /**
     * @param clock the wall clock engine lag is measured against
     * @param notifierStats the notifier's counters, per channel in configuration order
     * @param history the sampled rates of {@code GET /api/stats/history}
     */
    HttpApi(VigilConfig config, Engine engine, RuleLibrary library, AlertHistory store, DeadLetters deadLetters,
            Metrics metrics, java.util.function.BooleanSupplier ready, LongSupplier rejectedEvents, Durability durability,
            TableService tables, AlertStream alertStream, java.time.Clock clock,
            java.util.function.Supplier<NotifierStats> notifierStats, StatsHistory history) {
        this.clock = clock;
        this.notifierStats = notifierStats;
        this.history = history;
        this.tables = tables;
        this.alertStream = alertStream;
        this.config = config;
        this.engine = engine;
        this.library = library;
        this.store = store;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.ready = ready;
        this.rejectedEvents = rejectedEvents;
        this.durability = durability;
        this.backtests = new java.util.concurrent.Semaphore(config.server().backtest().concurrent());
        this.ingest = new HttpIngest(engine, metrics.httpIngestListener(), durability.journal().orElse(null));
        this.source = new HttpSource(ingest);
    }

    /** {@code POST /events} as a source: it answers 503 until started, and again once stopped. */
    HttpSource source() {
        return source;
    }

    /** Starts the server; the port actually bound (the configured one, or a free one for 0). */
    int start() {
        VigilConfig.Server server = config.server();
        VigilConfig.Http http = config.sources().http();
        app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = server.host();
            c.jetty.port = server.port();
            c.http.maxRequestSize = Math.max(http.maxBodyBytes(), 1_000_000L);
            // Each request on its own virtual thread: a client that sends its body slowly holds a
            // virtual thread, not one of a few platform threads, so a flood of slow or stalled
            // clients cannot starve /health, ingest or the admin API of threads.
            c.concurrency.useVirtualThreads = true;
            // A connection that sends nothing for this long is closed (a stalled body, an idle
            // keep-alive): slow clients cannot hold sockets forever.
            c.jetty.modifyServer(jetty -> jetty.setErrorHandler(new JsonErrorHandler()));
            c.jetty.modifyServer(jetty -> jetty.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
                @Override
                public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
                    for (org.eclipse.jetty.server.Connector connector : jetty.getConnectors()) {
                        if (connector instanceof org.eclipse.jetty.server.AbstractConnector a) {
                            a.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
                        }
                    }
                }
            }));
            if (!server.tokenRequired()) {
                c.routes.before(HttpApi::requireLoopbackHost);
            }
            c.routes.before("/api/*", this::authorizeAdmin);
            c.routes.before("/api", this::authorizeAdmin);
            c.routes.get("/health", ctx -> ok(ctx, 200, obj().put("status", "up")));
            // The console (issue 17): static files from the server's resources, no data in them;
            // the page asks for the admin token and calls the API like any client.
            c.routes.get("/", ctx -> console(ctx, "index.html", "text/html; charset=utf-8"));
            c.routes.get("/console/app.js", ctx -> console(ctx, "app.js", "text/javascript; charset=utf-8"));
            c.routes.get("/console/app.css", ctx -> console(ctx, "app.css", "text/css; charset=utf-8"));
            c.routes.get("/ready", this::readyCheck);
            c.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            if (http.enabled()) {
                c.routes.post("/events", this::events);
            }
            c.routes.get("/api/rules", this::rules);
            c.routes.patch("/api/rules/{id}", this::patchRule);
            c.routes.get("/api/rule-files", this::listFiles);
            c.routes.post("/api/rule-files/validate", this::validate);
            c.routes.get("/api/rule-files/{name}", this::getFile);
            c.routes.put("/api/rule-files/{name}", this::putFile);
            c.routes.delete("/api/rule-files/{name}", this::deleteFile);
            c.routes.get("/api/rule-files/{name}/versions", this::versions);
            c.routes.get("/api/rule-files/{name}/versions/{version}", this::versionText);
            c.routes.get("/api/rule-files/{name}/versions/{version}/diff", this::versionDiff);
            c.routes.post("/api/rule-files/{name}/rollback", this::rollback);
            c.routes.get("/api/audit", this::audit);
            c.routes.post("/api/reload", this::reload);
            c.routes.get("/api/alerts", this::alerts);
            io.javalin.http.sse.SseHandler stream = alertStream.handler();
            c.routes.get("/api/alerts/stream", ctx -> {
                String accept = ctx.header("Accept");
                if (accept == null || !accept.contains("text/event-stream")) {
                    throw new HttpError(406, "the alert stream is server-sent events: send Accept: text/event-stream"
                            + " (curl -N -H 'Accept: text/event-stream' ...)");
                }
                stream.handle(ctx);
            });
            // After the stream: the first route that matches answers, so /api/alerts/stream stays the stream.
            c.routes.get("/api/alerts/{id}", this::alert);
            c.routes.get("/api/outbox", this::outbox);
            c.routes.get("/api/dead-letters", this::deadLetters);
            c.routes.post("/api/dead-letters/{id}/retry", this::retryDeadLetter);
            c.routes.get("/api/stats", this::stats);
            c.routes.get("/api/stats/history", this::statsHistory);
            c.routes.get("/api/tables", ctx -> ok(ctx, 200, dev.vigil.engine.Json.mapper().valueToTree(tables.list())));
            c.routes.get("/api/tables/{name}", this::getTable);
            c.routes.put("/api/tables/{name}", this::putTable);
            c.routes.patch("/api/tables/{name}", this::patchTable);
            c.routes.exception(HttpError.class, this::handle);
            c.routes.exception(Exception.class, this::internalError);
            c.routes.error(404, "*", ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    ok(ctx, 404, obj().put("error", "no such endpoint: " + ctx.method() + " " + ctx.path()));
                }
            });
        }).start();
        return app.port();
    }

    void stop() {
        if (app != null) {
            app.stop();
        }
    }

    // ---------------------------------------------------------------- auth

    /** The request attribute naming who makes an admin call: the token's name, or {@link #LOCAL}. */
    static final String WHO = "vigil.who";
    /** Who makes a call when no admin token is configured (the API then answers loopback only). */
    static final String LOCAL = "local";

    private void authorizeAdmin(Context ctx) {
        List<VigilConfig.AdminToken> tokens = config.server().adminTokens();
        if (tokens.isEmpty()) {
            ctx.attribute(WHO, LOCAL);
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new HttpError(401, "missing admin token: send Authorization: Bearer <token>");
        }
        // Every token compared, each in constant time: neither which token matched nor how much of
        // a wrong guess was right leaks through the time the answer takes.
        byte[] sent = sha256(header.substring(7).trim());
        String who = null;
        for (VigilConfig.AdminToken t : tokens) {
            if (MessageDigest.isEqual(sent, sha256(t.token().reveal())) && who == null) {
                who = t.name();
            }
        }
        if (who == null) {
            throw new HttpError(403, "wrong admin token");
        }
        ctx.attribute(WHO, who);
    }

    /** Who makes this admin call (set by {@link #authorizeAdmin}). */
    private static String who(Context ctx) {
        String who = ctx.attribute(WHO);
        return who == null ? LOCAL : who;
    }

    private static void authorize(Context ctx, Secret token, String what) {
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new HttpError(401, "missing " + what + " token: send Authorization: Bearer <token>");
        }
        // Digests of equal length compared in constant time: neither the content nor the length of
        // the token leaks through the time a wrong guess takes.
        if (!MessageDigest.isEqual(sha256(header.substring(7).trim()), sha256(token.reveal()))) {
            throw new HttpError(403, "wrong " + what + " token");
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Without an admin token the API listens on loopback only; a web page can still reach it from
     * the user's browser by DNS rebinding (a name of the attacker's that resolves to 127.0.0.1). Such
     * requests carry the attacker's name in {@code Host}: only loopback names are answered.
     */
    private static void requireLoopbackHost(Context ctx) {
        String host = ctx.header("Host");
        if (host == null || !isLoopbackName(host)) {
            throw new HttpError(403, "Host " + (host == null ? "missing" : "`" + host + "` is not a loopback name")
                    + ": with no server.adminToken, Vigil answers only requests addressed to localhost, 127.0.0.1 or [::1]");
        }
    }

    static boolean isLoopbackName(String hostHeader) {
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(1, end).equals("::1") && (end == h.length() - 1 || h.charAt(end + 1) == ':');
        }
        int colon = h.indexOf(':');
        String name = colon < 0 ? h : h.substring(0, colon);
        if (colon >= 0 && !h.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            return false;
        }
        return name.equals("localhost") || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /** An answer decided early (auth, bad input): status and message. */
    static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    // ---------------------------------------------------------------- health

    private void readyCheck(Context ctx) {
        boolean up = ready.getAsBoolean();
        ObjectNode o = obj().put("status", up ? "ready" : durability.phase() == Durability.Phase.REPLAYING
                ? "recovering" : "starting");
        if (durability.phase() == Durability.Phase.REPLAYING) {
            o.set("recovery", recovery());
        }
        ok(ctx, up ? 200 : 503, o);
    }

    /**
     * A bug, not a client error: the client learns only that it happened and under which id; the
     * stack trace goes to the log under that id, and the count to {@code vigil_http_internal_errors}.
     */
    private void internalError(Exception e, Context ctx) {
        Optional<String> client = clientFault(e);
        if (client.isPresent()) {
            ok(ctx, 400, obj().put("error", "the request could not be read: " + client.get()));
            return;
        }
        String id = Long.toHexString(INCIDENTS.incrementAndGet()) + "-" + Long.toHexString(System.identityHashCode(e));
        metrics.internalError();
        LOG.error("internal error {} answering {} {}", id, ctx.method(), ctx.path(), e);
        ok(ctx, 500, obj().put("error", "internal error " + id + " (logged)"));
    }

    /**
     * A failure reading the request (a body shorter than its Content-Length, broken chunked
     * encoding, a connection closed mid-body) is the client's, not a bug: its reason, else empty.
     */
    static Optional<String> clientFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException || t instanceof org.eclipse.jetty.http.HttpException
                    || t instanceof java.util.concurrent.TimeoutException) {
                String m = t.getMessage();
                return Optional.of(t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m)
                        + " (truncated body or malformed chunked encoding?)");
            }
        }
        return Optional.empty();
    }

    /**
     * Why the server could not listen: the operating system's reason (a host that is not an address of
     * this machine: "Cannot assign requested address"), where Javalin says "Port already in use" for
     * every bind failure; its own text when the port is in fact in use.
     */
    static String bindFailure(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException b && b.getMessage() != null
                    && !b.getMessage().toLowerCase(Locale.ROOT).contains("already in use")) {
                return b.getMessage();
            }
        }
        return e.getMessage();
    }

    // ---------------------------------------------------------------- ingest

    private void events(Context ctx) throws java.io.IOException {
        VigilConfig.Http http = config.sources().http();
        if (http.token().isPresent()) {
            authorize(ctx, http.token().get(), "ingest");
        }
        long length = declaredLength(ctx);
        if (length > http.maxBodyBytes()) {
            // Read a body of up to a megabyte to its end first: a client still sending when the
            // answer comes and the connection closes sees a reset instead of the 413. A longer one
            // is not read; the connection is closed after the answer.
            boolean read = false;
            if (length <= OVERSIZE_COUNT_LIMIT) {
                try {
                    ctx.req().getInputStream().skipNBytes(length);
                    read = true;
                } catch (java.io.IOException e) {
                    // shorter than it said: the 413 stands, the connection goes
                }
            }
            if (!read) {
                ctx.header("Connection", "close");
            }
            ok(ctx, 413, obj().put("error", "body of " + length + " bytes is over the limit of " + http.maxBodyBytes()));
            return;
        }
        byte[] body = boundedBody(ctx, http.maxBodyBytes());
        Map<String, String> headers = new LinkedHashMap<>();
        ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        HttpIngest.Answer a = source.handle(body, ctx.header("Content-Type"), headers);
        if (a.retryAfterSeconds() > 0) {
            ctx.header("Retry-After", Integer.toString(a.retryAfterSeconds()));
        }
        ok(ctx, a.status(), a.body());
    }

    /**
     * How far past {@code maxBodyBytes} an over-long body without a Content-Length (chunked) is read
     * and counted, so its answer can name its size; beyond this the answer says "more than". A
     * megabyte is read in milliseconds and bounds the time a client can hold the request thread.
     */
    static final long OVERSIZE_COUNT_LIMIT = 1_000_000;

    /**
     * The Content-Length header as a long (Javalin's {@code contentLength()} is an int, -1 for a
     * length of 2 GB or more), or -1 when absent or not a number (Jetty then refuses the request).
     */
    private static long declaredLength(Context ctx) {
        String h = ctx.header("Content-Length");
        if (h == null) {
            return -1;
        }
        try {
            return Long.parseLong(h.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The request body, read from the stream up to {@code max} bytes (not through Javalin, whose own
     * limit answers in plain text); a longer one is a 413 in JSON, naming its size as far as counted.
     */
    private static byte[] boundedBody(Context ctx, long max) throws java.io.IOException {
        java.io.InputStream in = ctx.req().getInputStream();
        byte[] body = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
        if (body.length <= max) {
            return body;
        }
        long total = body.length;
        byte[] skip = new byte[8192];
        int n;
        while (total <= OVERSIZE_COUNT_LIMIT && (n = in.read(skip)) > 0) {
            total += n;
        }
        throw new HttpError(413, "body of " + (total > OVERSIZE_COUNT_LIMIT ? "more than " + OVERSIZE_COUNT_LIMIT : total)
                + " bytes is over the limit of " + max);
    }

    // ---------------------------------------------------------------- rules

    private void rules(Context ctx) throws InterruptedException {
        EngineStats stats = engine.stats();
        Map<String, EngineStats.RuleStats> byId = new LinkedHashMap<>();
        stats.rules().forEach(r -> byId.put(r.id(), r));
        ArrayNode out = json.createArrayNode();
        for (Rule r : library.rules()) {
            ObjectNode o = out.addObject();
            o.put("id", r.id());
            o.put("title", r.title().orElse(r.id()));
            o.put("file", r.file());
            o.put("enabled", r.enabled());
            o.put("severity", r.severity().keyword());
            o.put("mode", r.mode().keyword());
            o.put("kind", kind(r.when()));
            EngineStats.RuleStats s = byId.get(r.id());
            ObjectNode counts = o.putObject("counts");
            counts.put("matched", s == null ? 0 : s.matched());
            counts.put("sent", s == null ? 0 : s.sent());
            counts.put("suppressed", s == null ? 0 : s.suppressed());
            counts.put("shadow", s == null ? 0 : s.shadow());
            counts.put("failures", s == null ? 0 : s.failures());
            counts.put("partialMatchesRefused", s == null ? 0 : s.partialMatchesRefused());
            // Keys with events in the rule's window at the last count (every 10 s); null: not a grouped rule.
            if (s != null && s.stateKeys() >= 0) {
                o.put("stateKeys", s.stateKeys());
            } else {
                o.putNull("stateKeys");
            }
            // Events in the rule's windows at the same count; null: not an aggregate or absence rule.
            if (s != null && s.stateEvents() >= 0) {
                o.put("stateEvents", s.stateEvents());
            } else {
                o.putNull("stateEvents");
            }
            counts.put("keysOverLimit", s == null ? 0 : s.keysOverLimit());
            counts.put("eventsOverLimit", s == null ? 0 : s.eventsOverLimit());
            if (s != null && s.lastAlertTime() != Long.MIN_VALUE) {
                o.put("lastAlertTime", Times.format(s.lastAlertTime()));
            } else {
                o.putNull("lastAlertTime");
            }
            // A disabled rule is not deployed: its horizon is what it would have.
            o.put("horizon", Duration.ofMillis(s != null ? s.horizonMillis()
                    : Horizon.cappedMillis(r, config.state().maxHorizon())).toString());
        }
        ok(ctx, 200, out);
    }

    /**
     * The form of a rule's condition, in the language spec's terms: {@code filter}, {@code pattern},
     * {@code threshold} (an aggregate threshold), {@code absence}, or {@code epl} (raw EPL).
     */
    static String kind(dev.vigil.rules.ast.Condition when) {
        return switch (when) {
            case dev.vigil.rules.ast.Condition.Filter f -> "filter";
            case dev.vigil.rules.ast.Condition.Pattern p -> "pattern";
            case dev.vigil.rules.ast.Condition.Aggregate a -> "threshold";
            case dev.vigil.rules.ast.Condition.Absence a -> "absence";
            case dev.vigil.rules.ast.Condition.Epl e -> "epl";
        };
    }

    private void patchRule(Context ctx) throws Exception {
        JsonNode body = readJson(ctx);
        JsonNode enabled = body.get("enabled");
        if (enabled == null || !enabled.isBoolean()) {
            throw new HttpError(400, "expected {\"enabled\": true|false}");
        }
        String id = ctx.pathParam("id");
        try {
            Optional<RuleLibrary.Change> c = library.setEnabled(id, enabled.booleanValue(), who(ctx));
            if (c.isEmpty()) {
                throw new HttpError(404, "no such rule: " + id);
            }
            ok(ctx, 200, change(c.get()).put("id", id).put("enabled", enabled.booleanValue()));
        } catch (RuleLibrary.RejectedException e) {
            problems(ctx, e);
        }
    }

    private void listFiles(Context ctx) {
        ArrayNode out = json.createArrayNode();
        for (RuleLibrary.FileInfo f : library.files()) {
            out.addObject().put("name", f.name()).put("version", f.version()).put("hash", f.hash());
        }
        ok(ctx, 200, out);
    }

    private void getFile(Context ctx) {
        String name = ctx.pathParam("name");
        try {
            Optional<String> text = library.text(name);
            if (text.isEmpty()) {
                throw new HttpError(404, "no such rule file: " + name);
            }
            ctx.status(200).contentType("text/plain; charset=utf-8").result(text.get());
        } catch (RuleLibrary.BadNameException e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    private void putFile(Context ctx) throws InterruptedException {
        String name = ctx.pathParam("name");
        try {
            RuleLibrary.Change c = library.put(name, ruleFileBody(ctx), who(ctx));
            ok(ctx, 200, change(c));
        } catch (RuleLibrary.BadNameException e) {
            throw new HttpError(400, e.getMessage());
        } catch (RuleLibrary.RejectedException e) {
            problems(ctx, e);
        }
    }

    private void validate(Context ctx) throws Exception {
        String window = ctx.queryParam("backtest");
        if (window != null) {
            backtest(ctx, window);
            return;
        }
        try {
            library.validate(ctx.queryParam("name"), ruleFileBody(ctx));
            ok(ctx, 200, obj().put("ok", true));
        } catch (RuleLibrary.BadNameException e) {
            throw new HttpError(400, e.getMessage());
        } catch (RuleLibrary.RejectedException e) {
            problems(ctx, e);
        }
    }

    // ---------------------------------------------------------------- backtests

    /** Alerts of the candidate an answer lists in full; {@code alertsTotal} counts them all. */
    static final int BACKTEST_ALERTS = 1000;
    /** Ids an answer lists per rule and kind (added, removed, unchanged); the counts are complete. */
    static final int BACKTEST_IDS = 1000;
    /** Seconds a client is told to wait when the backtests allowed at once are running: a backtest takes seconds. */
    private static final int BACKTEST_RETRY_AFTER_SECONDS = 5;
    /** Permits for backtests running at once ({@code server.backtest.concurrent}). */
    private final java.util.concurrent.Semaphore backtests;

    /** The backtests that may start now ({@code server.backtest.concurrent} minus those running); for tests. */
    java.util.concurrent.Semaphore backtestSlots() {
        return backtests;
    }

    /**
     * {@code POST /api/rule-files/validate?name=NAME&backtest=PT1H} (docs/backtests.md): validates
     * the file as the plain call does, then runs it and the running version over the journal's
     * events of the window, on this request's thread (never the engine's), each in a fresh engine.
     */
    private void backtest(Context ctx, String window) throws Exception {
        VigilConfig.Backtest limits = config.server().backtest();
        String name = ctx.queryParam("name");
        if (name == null) {
            throw new HttpError(400, "backtest needs name: the file the candidate replaces or adds"
                    + " (POST /api/rule-files/validate?name=NAME.rules&backtest=PT1H)");
        }
        Duration duration;
        try {
            duration = Duration.parse(window.strip());
        } catch (DateTimeParseException e) {
            throw new HttpError(400, "backtest: expected an ISO-8601 duration such as PT1H or PT15M, got `" + window
                    + "`");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new HttpError(400, "backtest: the duration must be positive: " + duration);
        }
        if (duration.compareTo(limits.maxWindow()) > 0) {
            throw new HttpError(400, "backtest: " + duration + " is longer than server.backtest.maxWindow ("
                    + limits.maxWindow() + ")");
        }
        byte[] body = ruleFileBody(ctx);
        RuleLibrary.Candidate candidate;
        try {
            candidate = library.candidate(name, body);
        } catch (RuleLibrary.BadNameException e) {
            throw new HttpError(400, e.getMessage());
        } catch (RuleLibrary.RejectedException e) {
            problems(ctx, e);
            return;
        }
        Optional<dev.vigil.connectors.Journal> journal = durability.journal();
        if (journal.isEmpty()) {
            throw new HttpError(409, "backtests read the journal of HTTP ingest, which is off ("
                    + (config.sources().http().enabled() ? "store.journal.enabled: false"
                    : "sources.http.enabled: false") + "); turn it on to backtest");
        }
        if (!backtests.tryAcquire()) {
            ctx.header("Retry-After", Integer.toString(BACKTEST_RETRY_AFTER_SECONDS));
            throw new HttpError(429, "the backtests allowed at once (server.backtest.concurrent: "
                    + limits.concurrent() + ") are running; try again later");
        }
        try {
            dev.vigil.connectors.Journal j = journal.get();
            long until = j.newestTime();
            long since = until == Long.MIN_VALUE ? Long.MIN_VALUE : saturatedMinus(until, duration.toMillis());
            Backtest.Result r = Backtest.newBuilder(candidate.candidate(), candidate.running())
                    .engineOptions(this::backtestEngineOptions)
                    .tables(this::liveTableRows)
                    .limits(new Backtest.Limits(limits.maxEvents(), limits.timeLimit()))
                    .keepAlerts(BACKTEST_ALERTS)
                    .build()
                    .run(sink -> j.read(since, (seq, time, text) ->
                            sink.accept(new dev.vigil.engine.EventInput.JsonText(text, "journal event " + seq))));
            ObjectNode answer = r.toJson(BACKTEST_ALERTS, BACKTEST_IDS);
            ObjectNode w = obj().put("duration", duration.toString());
            if (until == Long.MIN_VALUE) {
                w.putNull("since").putNull("until");
            } else {
                w.put("since", Times.format(since)).put("until", Times.format(until));
            }
            answer.set("window", w);
            ObjectNode o = obj().put("ok", true);
            o.set("backtest", answer);
            ok(ctx, 200, o);
        } catch (IOException e) {
            // The journal's files, not the request: the server's fault, and perhaps passing.
            LOG.error("backtest: cannot read the journal", e);
            ctx.header("Retry-After", Integer.toString(BACKTEST_RETRY_AFTER_SECONDS));
            throw new HttpError(503, "backtest: cannot read the journal: " + e.getMessage());
        } catch (dev.vigil.engine.DeployException e) {
            // The candidate was checked as a deploy checks it; the running set deploys. A refusal here is a bug.
            throw new IllegalStateException("a backtest engine refused a checked rule set: " + e.getMessage(), e);
        } finally {
            backtests.release();
        }
    }

    /** The live engine's settings that decide which alerts rules raise: lateness and the rule limits. */
    private dev.vigil.engine.EngineOptions.Builder backtestEngineOptions() {
        return dev.vigil.engine.EngineOptions.newBuilder()
                .clock(clock)
                .lateness(config.time().lateness())
                .allowRawEpl(config.rules().allowRawEpl())
                .maxPartialMatches(config.rules().maxPartialMatches())
                .maxKeys(config.rules().maxKeys())
                .maxWindowEvents(config.rules().maxWindowEvents())
                .compileBudget(config.rules().compileBudget())
                .maxHorizon(config.state().maxHorizon());
    }

    /**
     * A table's rows as the live engine holds them now, converted to {@code decl} (the candidate may
     * declare it differently: a row that no longer fits is left out). A read-through table holds
     * only its cached rows.
     */
    private Optional<dev.vigil.engine.TableRows> liveTableRows(dev.vigil.rules.ast.TableDecl decl) {
        Optional<dev.vigil.rules.ast.TableDecl> live = engine.tableDecls().stream()
                .filter(t -> t.name().equals(decl.name())).findFirst();
        if (live.isEmpty()) {
            return Optional.empty();
        }
        dev.vigil.engine.TableRows rows = new dev.vigil.engine.TableRows(decl);
        List<dev.vigil.rules.ast.FieldDecl> fields = live.get().fields();
        int i = 0;
        for (Object[] row : engine.tableRows(decl.name())) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (int f = 0; f < fields.size() && f < row.length; f++) {
                values.put(fields.get(f).name(), row[f]);
            }
            rows.add(values, "table " + decl.name() + " row " + (++i));
        }
        return Optional.of(rows);
    }

    private static long saturatedMinus(long a, long b) {
        long r = a - b;
        return ((a ^ b) & (a ^ r)) < 0 ? Long.MIN_VALUE : r;
    }

    /**
     * A rule file sent as a body: its bytes, which the library decodes as strict UTF-8. A charset
     * other than UTF-8 in {@code Content-Type} is 415: rule files are UTF-8, as events are.
     */
    private static byte[] ruleFileBody(Context ctx) {
        String type = ctx.header("Content-Type");
        if (type != null) {
            for (String param : type.split(";")) {
                String p = param.strip().toLowerCase(Locale.ROOT);
                if (p.startsWith("charset=")) {
                    String charset = p.substring("charset=".length()).replace("\"", "").strip();
                    if (!charset.equals("utf-8") && !charset.equals("utf8")) {
                        throw new HttpError(415, "unsupported charset `" + charset
                                + "`: rule files are UTF-8 (send charset=utf-8 or none)");
                    }
                }
            }
        }
        return ctx.bodyAsBytes();
    }

    private void deleteFile(Context ctx) throws InterruptedException {
        String name = ctx.pathParam("name");
        try {
            Optional<RuleLibrary.Change> c = library.delete(name, who(ctx));
            if (c.isEmpty()) {
                throw new HttpError(404, "no such rule file: " + name);
            }
            ok(ctx, 200, change(c.get()));
        } catch (RuleLibrary.BadNameException e) {
            throw new HttpError(400, e.getMessage());
        } catch (RuleLibrary.RejectedException e) {
            problems(ctx, e);
        }
    }

    // ---------------------------------------------------------------- versions, rollback, audit

    /** {@code GET /api/rule-files/{name}/versions}: every version, oldest first; 404 when the name never had one. */
    private void versions(Context ctx) {
        String name = ctx.pathParam("name");
        List<RuleFileVersion> versions;
        try {
            versions = library.versions(name);
        } catch (RuleLibrary.BadNameException e) {
            throw new HttpError(400, e.getMessage());
        }
        if (versions.isEmpty()) {
            throw new HttpError(404, "no such rule file: " + name + " (it never had a version)");
        }
        ArrayNode out = json.createArrayNode();
        for (RuleFileVersion v : versions) {
            out.addObject().put("version", v.version()).put("hash", v.hash())
                    .put("time", Times.format(v.savedAt().toEpochMilli())).put("who", v.who())
                    .put("summary", v.summary()).put("deleted", v.deleted());
        }
        ok(ctx, 200, out);
    }

    private RuleFileVersion version(Context ctx, String param, String value) {
        String name = ctx.pathParam("name");
        int number;
        try {
            number = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new HttpError(400, param + ": a version is a whole number from 1, got `" + value + "`");
        }
        try {
            return library.version(name, number).orElseThrow(() -> new HttpError(404, "rule file " + name
                    + " has no version " + number));
        } catch (RuleLibrary.BadNameException e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    /** {@code GET .../versions/{v}}: that version's text (empty for a deletion, which says so in a header). */
    private void versionText(Context ctx) {
        RuleFileVersion v = version(ctx, "version", ctx.pathParam("version"));
        if (v.deleted()) {
            ctx.header("Vigil-Deleted", "true");
        }
        ctx.status(200).contentType("text/plain; charset=utf-8").result(v.text());
    }

    /**
     * {@code GET .../versions/{v}/diff?against=w}: the unified diff from version {@code w} (default:
     * the one before {@code v}; an empty text before version 1) to {@code v}.
     */
    private void versionDiff(Context ctx) {
        RuleFileVersion v = version(ctx, "version", ctx.pathParam("version"));
        String against = ctx.queryParam("against");
        String oldLabel;
        String oldText;
        if (against != null && !against.isEmpty()) {
            RuleFileVersion w = version(ctx, "against", against);
            oldLabel = v.name() + "@" + w.version();
            oldText = w.text();
        } else if (v.version() == 1) {
            oldLabel = "/dev/null";
            oldText = "";
        } else {
            RuleFileVersion w = version(ctx, "against", String.valueOf(v.version() - 1));
            oldLabel = v.name() + "@" + w.version();
            oldText = w.text();
        }
        ctx.status(200).contentType("text/x-diff; charset=utf-8")
                .result(UnifiedDiff.of(oldLabel, oldText, v.name() + "@" + v.version(), v.text()));
    }

    /** {@code POST .../rollback {"version": v}}: that version's text deployed as a new version, all or nothing. */
    private void rollback(Context ctx) throws InterruptedException {
        String name = ctx.pathParam("name");
        JsonNode body = readJson(ctx);
        JsonNode version = body.get("version");
        if (version == null || !version.canConvertToInt() || !version.isIntegralNumber() || version.intValue() < 1) {
            throw new HttpError(400, "expected {\"version\": N}, N a version of " + name + " (GET /api/rule-files/"
                    + name + "/versions lists them)");
        }
        try {
            RuleLibrary.Change c = library.rollback(name, version.intValue(), who(ctx));
            ok(ctx, 200, change(c).put("rolledBackTo", version.intValue()));
        } catch (RuleLibrary.BadNameException e) {
            throw new HttpError(400, e.getMessage());
        } catch (RuleLibrary.NoSuchVersionException e) {
            throw new HttpError(404, e.getMessage());
        } catch (RuleLibrary.RejectedException e) {
            problems(ctx, e);
        }
    }

    /** {@code GET /api/audit?limit=&before=}: every change of the rules, newest first. */
    private void audit(Context ctx) {
        int limit = limit(ctx, 100);
        java.util.OptionalLong before = java.util.OptionalLong.empty();
        String b = ctx.queryParam("before");
        if (b != null && !b.isEmpty()) {
            try {
                before = java.util.OptionalLong.of(Long.parseLong(b));
            } catch (NumberFormatException e) {
                throw new HttpError(400, "before: expected an entry's seq (a whole number), got `" + b + "`");
            }
        }
        ArrayNode out = json.createArrayNode();
        for (RuleFileStore.AuditEntry e : library.auditLog(limit, before)) {
            ObjectNode o = out.addObject().put("seq", e.seq()).put("time", Times.format(e.at().toEpochMilli()))
                    .put("who", e.who()).put("action", e.action()).put("target", e.target());
            if (e.version().isPresent()) {
                o.put("version", e.version().getAsInt());
            } else {
                o.putNull("version");
            }
            o.put("summary", e.summary());
        }
        ok(ctx, 200, out);
    }

    private void reload(Context ctx) throws InterruptedException {
        try {
            ok(ctx, 200, change(library.reload(who(ctx))));
        } catch (RuleLibrary.RejectedException e) {
            problems(ctx, e);
        }
    }

    private ObjectNode change(RuleLibrary.Change c) {
        ObjectNode o = obj();
        o.put("version", c.version());
        o.set("deployed", json.valueToTree(c.deployed()));
        o.set("changed", json.valueToTree(c.changed()));
        o.set("unchanged", json.valueToTree(c.unchanged()));
        o.set("removed", json.valueToTree(c.removed()));
        return o;
    }

    private void problems(Context ctx, RuleLibrary.RejectedException e) {
        ObjectNode o = obj();
        ArrayNode errors = o.putArray("errors");
        for (RuleLibrary.Problem p : e.problems()) {
            errors.addObject().put("file", p.file()).put("line", p.line()).put("column", p.column())
                    .put("message", p.message());
        }
        ok(ctx, 422, o);
    }

    // ---------------------------------------------------------------- console

    /** The console's files, read once from the classpath. */
    private static final Map<String, byte[]> CONSOLE = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Serves one console file with a content security policy that allows only this server's own
     * scripts, styles and API (no inline script, no other origin), and no framing.
     */
    private static void console(Context ctx, String file, String type) throws IOException {
        byte[] bytes = CONSOLE.get(file);
        if (bytes == null) {
            try (var in = HttpApi.class.getResourceAsStream("/console/" + file)) {
                if (in == null) {
                    throw new HttpError(404, "no such console file: " + file);
                }
                bytes = in.readAllBytes();
            }
            CONSOLE.put(file, bytes);
        }
        ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self';"
                + " connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType(type).result(bytes);
    }

    // ---------------------------------------------------------------- tables

    private dev.vigil.rules.ast.TableDecl declaredTable(Context ctx) {
        String name = ctx.pathParam("name");
        return tables.decl(name).orElseThrow(() -> new HttpError(404, "no table " + name
                + " is declared in the rules"));
    }

    /** {@code GET /api/tables/{name}}: the table, or with {@code ?key=K} (one per key field) one row, 404 when absent. */
    private void getTable(Context ctx) {
        var decl = declaredTable(ctx);
        List<String> keys = ctx.queryParams("key");
        if (keys.isEmpty()) {
            ObjectNode o = dev.vigil.engine.Json.mapper().valueToTree(tables.list().stream()
                    .filter(t -> t.get("name").equals(decl.name())).findFirst().orElseThrow());
            ArrayNode fields = o.putArray("fields");
            decl.fields().forEach(f -> fields.addObject().put("name", f.name()).put("type", f.type().keyword()));
            ok(ctx, 200, o);
            return;
        }
        if (keys.size() != decl.keys().size()) {
            throw new HttpError(400, "table " + decl.name() + " is keyed by " + String.join(", ", decl.keys())
                    + ": give " + decl.keys().size() + " key parameter" + (decl.keys().size() == 1 ? "" : "s")
                    + ", got " + keys.size());
        }
        Object[] key = keyValues(decl, keys.stream().map(k -> (Object) k).toList(), "key");
        Optional<Map<String, Object>> row = engine.tableRow(decl.name(), key);
        if (row.isEmpty()) {
            throw new HttpError(404, "table " + decl.name() + " has no row with key " + String.join(", ", keys));
        }
        ok(ctx, 200, dev.vigil.engine.Json.mapper().valueToTree(row.get()));
    }

    /** A key's values converted to its fields' types, or 400 naming the bad one. */
    private static Object[] keyValues(dev.vigil.rules.ast.TableDecl decl, List<Object> parts, String where) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            values.put(decl.keys().get(i), parts.get(i));
        }
        dev.vigil.engine.TableRows one = new dev.vigil.engine.TableRows(decl);
        if (!one.add(values, where)) {
            throw new HttpError(400, one.problems().get(0).toString());
        }
        Object[] row = one.rows().get(0);
        Object[] key = new Object[decl.keys().size()];
        for (int i = 0; i < key.length; i++) {
            key[i] = row[decl.fields().indexOf(decl.field(decl.keys().get(i)).orElseThrow())];
        }
        return key;
    }

    private static boolean csvBody(Context ctx) {
        String type = ctx.header("Content-Type");
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("text/csv");
    }

    private static String tableBody(Context ctx) {
        try {
            String text = dev.vigil.engine.Utf8.decode(ruleFileBody(ctx));
            return text.startsWith("\ufeff") ? text.substring(1) : text;
        } catch (dev.vigil.engine.Utf8.MalformedException e) {
            throw new HttpError(400, "the body is not valid UTF-8: " + e.getMessage());
        }
    }

    /** 422 with every refused row; nothing changed. */
    private void refused(Context ctx, List<dev.vigil.engine.TableRows.Problem> problems) {
        ObjectNode o = obj().put("error", problems.size() + " row" + (problems.size() == 1 ? "" : "s")
                + " refused; the table is unchanged");
        ArrayNode errors = o.putArray("errors");
        problems.forEach(p -> errors.addObject().put("where", p.where()).put("message", p.message()));
        ok(ctx, 422, o);
    }

    /** {@code PUT /api/tables/{name}}: CSV ({@code text/csv}, a header row) or JSONL rows replace the table, all or nothing. */
    private void putTable(Context ctx) throws InterruptedException, IOException {
        var decl = declaredTable(ctx);
        var rows = dev.vigil.connectors.TableFiles.parse("body", tableBody(ctx), decl, csvBody(ctx));
        List<dev.vigil.engine.TableRows.Problem> problems = tables.put(decl, rows);
        if (!problems.isEmpty()) {
            refused(ctx, problems);
            return;
        }
        long count = engine.tables().get(decl.name())[0];
        library.record(who(ctx), "table-put", decl.name(), "replaced: " + count + " row" + (count == 1 ? "" : "s"));
        ok(ctx, 200, obj().put("name", decl.name()).put("rows", count));
    }

    /**
     * {@code PATCH /api/tables/{name}}: JSONL lines, each a row to upsert or {@code {"delete": KEY}}
     * (a value, or an array of the key fields' values), applied together or not at all.
     */
    private void patchTable(Context ctx) throws InterruptedException, IOException {
        var decl = declaredTable(ctx);
        String[] lines = tableBody(ctx).split("\r?\n", -1);
        dev.vigil.engine.TableRows upserts = new dev.vigil.engine.TableRows(decl);
        List<Object[]> deletes = new ArrayList<>();
        List<dev.vigil.engine.TableRows.Problem> problems = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String at = "body:" + (i + 1);
            com.fasterxml.jackson.databind.JsonNode n;
            try {
                n = dev.vigil.engine.Json.mapper().readTree(lines[i]);
            } catch (IOException e) {
                problems.add(new dev.vigil.engine.TableRows.Problem(at, "not valid JSON"));
                continue;
            }
            if (n == null || !n.isObject()) {
                problems.add(new dev.vigil.engine.TableRows.Problem(at, "expected a JSON object: a row, or {\"delete\": KEY}"));
                continue;
            }
            if (n.size() == 1 && n.has("delete") && !decl.field("delete").isPresent()) {
                com.fasterxml.jackson.databind.JsonNode k = n.get("delete");
                List<Object> parts = new ArrayList<>();
                (k.isArray() ? k : dev.vigil.engine.Json.mapper().createArrayNode().add(k)).forEach(v ->
                        parts.add(v.isNumber() ? v.numberValue() : v.isBoolean() ? (Object) v.booleanValue()
                                : v.isNull() ? null : v.asText()));
                if (parts.size() != decl.keys().size()) {
                    problems.add(new dev.vigil.engine.TableRows.Problem(at, "delete: table " + decl.name()
                            + " is keyed by " + String.join(", ", decl.keys()) + ": give " + decl.keys().size()
                            + " value" + (decl.keys().size() == 1 ? "" : "s") + ", got " + parts.size()));
                    continue;
                }
                try {
                    deletes.add(keyValues(decl, parts, at));
                } catch (HttpError e) {
                    problems.add(new dev.vigil.engine.TableRows.Problem(at, "delete: " + e.getMessage()
                            .substring(at.length() + 2)));
                }
                continue;
            }
            upserts.add(dev.vigil.connectors.TableFiles.values(n), at);
        }
        problems.addAll(upserts.problems());
        problems.sort(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.where().substring(5))));
        if (!problems.isEmpty()) {
            refused(ctx, problems);
            return;
        }
        tables.patch(decl, upserts, deletes);
        library.record(who(ctx), "table-patch", decl.name(), "upserted " + upserts.rows().size() + ", deleted "
                + deletes.size());
        ok(ctx, 200, obj().put("name", decl.name()).put("upserted", upserts.rows().size())
                .put("deleted", deletes.size()).put("rows", engine.tables().get(decl.name())[0]));
    }

    // ---------------------------------------------------------------- alerts and delivery

    private void alerts(Context ctx) {
        AlertQuery q = AlertQuery.newest();
        String rule = ctx.queryParam("rule");
        if (rule != null && !rule.isEmpty()) {
            q = q.withRule(rule);
        }
        String status = ctx.queryParam("status");
        if (status != null && !status.isEmpty()) {
            if (!status.equals("firing") && !status.equals("resolved")) {
                throw new HttpError(400, "status: expected firing or resolved, got " + status);
            }
            q = q.withStatus(status);
        }
        Optional<Instant> since = Optional.empty();
        undecodable(ctx, "since");
        String sinceText = ctx.queryParam("since");
        if (sinceText != null && !sinceText.isEmpty()) {
            try {
                since = Optional.of(Instant.ofEpochMilli(Times.parse(sinceText)));
            } catch (Times.OutOfRange e) {
                throw new HttpError(400, "since: " + e.getMessage());
            } catch (DateTimeParseException e) {
                throw new HttpError(400, "since: expected an ISO-8601 time, got " + sinceText);
            }
        }
        q = new AlertQuery(q.rule(), q.status(), since, limit(ctx, AlertQuery.DEFAULT_LIMIT));
        ArrayNode out = json.createArrayNode();
        for (StoredAlert a : store.alerts(q)) {
            out.add(alertJson(a));
        }
        ok(ctx, 200, out);
    }

    /** The {@code limit} query parameter: 1 to 10000, {@code otherwise} when absent; 400 otherwise. */
    private static int limit(Context ctx, int otherwise) {
        String limitText = ctx.queryParam("limit");
        if (limitText == null || limitText.isEmpty()) {
            return otherwise;
        }
        int limit;
        try {
            limit = Integer.parseInt(limitText);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > 10_000) {
            throw new HttpError(400, "limit: expected a whole number from 1 to 10000, got " + limitText);
        }
        return limit;
    }

    /** A stored alert as {@code GET /api/alerts} lists it: its JSON, with {@code suppressed} when it was. */
    private ObjectNode alertJson(StoredAlert a) {
        ObjectNode alert = parse(a.json());
        a.suppressed().ifPresent(reason -> alert.put("suppressed", reason));
        return alert;
    }

    /**
     * {@code GET /api/alerts/{id}}: the alert and where each of its deliveries stands, with every
     * recorded attempt.
     */
    private void alert(Context ctx) {
        String id = ctx.pathParam("id");
        StoredAlert a = store.alert(id).orElseThrow(() -> new HttpError(404, "no such alert: " + id));
        Map<String, List<DeliveryAttempt>> byChannel = new LinkedHashMap<>();
        for (DeliveryAttempt t : store.attempts(id)) {
            byChannel.computeIfAbsent(t.channel(), k -> new ArrayList<>()).add(t);
        }
        ObjectNode o = obj();
        o.set("alert", alertJson(a));
        ArrayNode deliveries = o.putArray("deliveries");
        for (DeliveryState d : store.deliveries(id)) {
            ObjectNode x = deliveries.addObject();
            x.put("channel", d.channel());
            x.put("state", d.state());
            x.put("attempts", d.attempts());
            x.put("lastError", d.lastError().orElse(null));
            x.put("nextAttempt", d.nextAttempt().map(t -> Times.format(t.toEpochMilli())).orElse(null));
            x.put("deliveredAt", d.deliveredAt().map(t -> Times.format(t.toEpochMilli())).orElse(null));
            if (d.deadLetterId().isPresent()) {
                x.put("deadLetterId", d.deadLetterId().getAsLong());
            } else {
                x.putNull("deadLetterId");
            }
            ArrayNode h = x.putArray("history");
            for (DeliveryAttempt t : byChannel.getOrDefault(d.channel(), List.of())) {
                h.addObject().put("attempt", t.attempt()).put("at", Times.format(t.at().toEpochMilli()))
                        .put("result", t.result()).put("answer", t.answer());
            }
        }
        ok(ctx, 200, o);
    }

    /** {@code GET /api/outbox?channel=&limit=}: deliveries waiting, the next due first. */
    private void outbox(Context ctx) {
        undecodable(ctx, "channel");
        String channel = ctx.queryParam("channel");
        Optional<String> only = channel == null || channel.isEmpty() ? Optional.empty() : Optional.of(channel);
        ArrayNode out = json.createArrayNode();
        for (OutboxEntry e : store.outbox(only, limit(ctx, 100))) {
            ObjectNode o = out.addObject();
            o.put("id", e.id());
            o.put("alertId", e.alertId());
            o.put("channel", e.channel());
            o.put("createdAt", Times.format(e.createdAt().toEpochMilli()));
            o.put("attempts", e.attempts());
            o.put("nextAttempt", Times.format(e.nextAttempt().toEpochMilli()));
            o.put("lastError", e.lastError().orElse(null));
            o.set("alert", parse(e.json()));
        }
        ok(ctx, 200, out);
    }

    private void deadLetters(Context ctx) {
        ArrayNode out = json.createArrayNode();
        for (DeadLetter d : store.deadLetters()) {
            ObjectNode o = out.addObject();
            o.put("id", d.id());
            o.put("alertId", d.alertId());
            o.put("channel", d.channel());
            o.put("attempts", d.attempts());
            o.put("lastError", d.lastError());
            o.put("failedAt", Times.format(d.failedAt().toEpochMilli()));
            o.set("alert", parse(d.json()));
        }
        ok(ctx, 200, out);
    }

    private void retryDeadLetter(Context ctx) {
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new HttpError(400, "dead letter id must be a number: " + ctx.pathParam("id"));
        }
        if (!deadLetters.retry(id)) {
            throw new HttpError(404, "no such dead letter: " + id);
        }
        ok(ctx, 202, obj().put("id", id).put("status", "queued for delivery"));
    }

    private void stats(Context ctx) throws InterruptedException {
        EngineStats s = engine.stats();
        StoreCounts c = store.counts();
        ObjectNode o = obj();
        ObjectNode events = o.putObject("events");
        events.put("accepted", s.eventsProcessed() + engine.queueDepth());
        events.put("rejected", rejectedEvents.getAsLong());
        events.put("late", s.eventsLate());
        ObjectNode alerts = o.putObject("alerts");
        alerts.put("raised", s.alertsSent() + s.alertsSuppressed());
        alerts.put("sent", c.delivered());
        alerts.put("suppressed", s.alertsSuppressed());
        alerts.put("shadow", s.rules().stream().mapToLong(EngineStats.RuleStats::shadow).sum());
        alerts.put("failed", c.deadLetters());
        ObjectNode queues = o.putObject("queues");
        queues.put("engine", engine.queueDepth());
        queues.put("outbox", c.pending());
        o.set("recovery", recovery());
        ObjectNode journal = o.putObject("journal");
        journal.put("enabled", durability.journal().isPresent());
        durability.journal().ifPresent(j -> journal.put("segments", j.segments()).put("bytes", j.bytes())
                .put("events", j.events()).put("fsync", j.fsync().name().toLowerCase(java.util.Locale.ROOT)));
        journal.put("lag", durability.journalLag());
        long cp = durability.lastCheckpoint();
        if (cp == Long.MIN_VALUE) {
            o.putNull("checkpoint");
        } else {
            o.put("checkpoint", dev.vigil.engine.Times.format(cp));
        }
        o.put("horizon", Duration.ofMillis(engine.horizonMillis()).toString());
        o.put("shards", engine.shards());
        // Per configured channel: delivered and retried since this process started (as the
        // metrics count them), pending and dead what the store holds now.
        ObjectNode channels = o.putObject("channels");
        for (ChannelStats cs : notifierStats.get().channels()) {
            channels.putObject(cs.channel()).put("pending", cs.pending()).put("delivered", cs.delivered())
                    .put("retried", cs.retried()).put("dead", store.deadLetters(cs.channel()));
        }
        java.util.OptionalLong lag = Metrics.engineLagMillis(engine, clock);
        if (lag.isPresent()) {
            o.put("lag", lag.getAsLong());
        } else {
            o.putNull("lag");
        }
        ok(ctx, 200, o);
    }

    /** {@code GET /api/stats/history}: the sampled rates of the last 15 minutes, oldest first. */
    private void statsHistory(Context ctx) {
        ObjectNode o = obj();
        o.put("interval", history.interval().toString());
        ArrayNode samples = o.putArray("samples");
        for (StatsHistory.Sample s : history.samples()) {
            ObjectNode x = samples.addObject();
            x.put("time", Times.format(s.time().toEpochMilli()));
            x.put("eventsIn", s.eventsIn());
            x.put("eventsOut", s.eventsOut());
            ObjectNode alerts = x.putObject("alerts");
            // Most severe first; every severity of the language, zero when none.
            List<dev.vigil.rules.ast.Severity> severities = new ArrayList<>(List.of(dev.vigil.rules.ast.Severity.values()));
            java.util.Collections.reverse(severities);
            for (dev.vigil.rules.ast.Severity sev : severities) {
                alerts.put(sev.keyword(), s.alerts().getOrDefault(sev, 0.0));
            }
            x.put("queue", s.queue());
            if (s.lagMillis().isPresent()) {
                x.put("lag", s.lagMillis().getAsLong());
            } else {
                x.putNull("lag");
            }
            x.put("outbox", s.outbox());
        }
        ok(ctx, 200, o);
    }

    /** Where recovery at start is: its phase, and how far the replay got. */
    private ObjectNode recovery() {
        ObjectNode r = obj();
        r.put("state", durability.phase().name().toLowerCase(java.util.Locale.ROOT));
        r.put("replayed", durability.replayed());
        r.put("toReplay", durability.toReplay());
        r.put("rejected", durability.replayRejected());
        r.put("alertsDropped", engine.recoveredAlerts());
        r.put("millis", durability.recoveryMillis());
        long from = durability.recoveredFrom();
        long cp = durability.recoveredCheckpoint();
        if (from == Long.MIN_VALUE) {
            r.putNull("from");
        } else {
            r.put("from", dev.vigil.engine.Times.format(from));
        }
        if (cp == Long.MIN_VALUE) {
            r.putNull("checkpoint");
        } else {
            r.put("checkpoint", dev.vigil.engine.Times.format(cp));
        }
        return r;
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Refuses a query parameter whose raw value holds a percent sign not followed by two hex digits:
     * Jetty drops such a parameter, and an ignored filter would answer more than was asked for.
     */
    private static void undecodable(Context ctx, String name) {
        String query = ctx.queryString();
        if (query == null) {
            return;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (!key.equals(name) || eq < 0) {
                continue;
            }
            String value = pair.substring(eq + 1);
            for (int i = value.indexOf('%'); i >= 0; i = value.indexOf('%', i + 1)) {
                if (i + 2 >= value.length() || Character.digit(value.charAt(i + 1), 16) < 0
                        || Character.digit(value.charAt(i + 2), 16) < 0) {
                    String bad = value.substring(i, Math.min(value.length(), i + 3));
                    throw new HttpError(400, name + ": not a valid percent escape `" + bad + "` in `" + value
                            + "` (a % is followed by two hex digits; send %25 for a % sign)");
                }
            }
        }
    }

    private JsonNode readJson(Context ctx) {
        String text;
        try {
            text = dev.vigil.engine.Utf8.decode(ctx.bodyAsBytes());
        } catch (dev.vigil.engine.Utf8.MalformedException e) {
            throw new HttpError(400, "body is " + e.getMessage());
        }
        try (com.fasterxml.jackson.core.JsonParser p = json.createParser(text)) {
            JsonNode n = json.readTree(p);
            if (n == null || !n.isObject()) {
                throw new HttpError(400, "expected a JSON object");
            }
            if (p.nextToken() != null) {
                throw new HttpError(400, "body is not valid JSON: trailing data after the object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new HttpError(400, "body is not valid JSON: " + dev.vigil.engine.Json.reason(e));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading a String cannot fail", e);
        }
    }

    private ObjectNode parse(String alertJson) {
        try {
            return (ObjectNode) json.readTree(alertJson);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | ClassCastException e) {
            return obj().put("unreadable", alertJson);
        }
    }

    private ObjectNode obj() {
        return json.createObjectNode();
    }

    private void ok(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    /** Maps early answers to their status; installed by {@link #start()}. */
    void handle(HttpError e, Context ctx) {
        ok(ctx, e.status, obj().put("error", e.getMessage()));
    }
}

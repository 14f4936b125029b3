package dev.vigil.rules.internal;

import dev.vigil.rules.CompileResult;
import dev.vigil.rules.Diagnostic;
import dev.vigil.rules.ErrorCode;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.SourceFile;
import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.Position;
import dev.vigil.rules.ast.TableDecl;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.RuleFile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One compilation of a set of rule files: parse and build each file, merge the event
 * declarations, check rule ids, then check every rule. The entry point behind
 * {@link dev.vigil.rules.RulesCompiler}; not an API.
 */
public final class Compilation {
    /** The most source text the parse cache keeps, in characters. */
    static final long PARSED_MAX_CHARS = 64L << 20;

    /**
     * Files parsed without a problem, by name and text: a deploy of one changed file among many
     * parses that file only (the checks across files and of every rule still run each time). The
     * trees are immutable, so a compilation can share them; least recently used first out.
     */
    private static final Map<String, AstBuilder.Built> PARSED = new LinkedHashMap<>(64, 0.75f, true) {
        private long chars;

        @Override
        public AstBuilder.Built put(String key, AstBuilder.Built value) {
            AstBuilder.Built old = super.put(key, value);
            if (old == null) {
                chars += key.length();
            }
            return old;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, AstBuilder.Built> eldest) {
            if (chars > PARSED_MAX_CHARS) {
                chars -= eldest.getKey().length();
                return true;
            }
            return false;
        }
    };

    private Compilation() {
    }

    private static AstBuilder.Built cached(String key) {
        synchronized (PARSED) {
            return PARSED.get(key);
        }
    }

    private static void cache(String key, AstBuilder.Built built) {
        synchronized (PARSED) {
            PARSED.put(key, built);
        }
    }

    public static CompileResult compile(List<SourceFile> sources) {
        List<Diagnostics> perFile = new ArrayList<>();
        List<AstBuilder.Built> built = new ArrayList<>();
        Map<String, Diagnostics> byName = new HashMap<>();
        for (SourceFile source : sources) {
            Diagnostics diagnostics = new Diagnostics(source.name(), source.text());
            perFile.add(diagnostics);
            byName.putIfAbsent(source.name(), diagnostics);
            String key = source.name() + '\u0000' + source.text();
            AstBuilder.Built file = cached(key);
            if (file == null) {
                try {
                    file = Parsing.parseFile(source.text(), diagnostics)
                            .map(parsed -> new AstBuilder(source.name(), diagnostics).build(parsed))
                            .orElse(null);
                } catch (StackOverflowError e) {
                    diagnostics.add(ErrorCode.TOO_LARGE, new Position(1, 1), "rule is too large: it nests too deeply");
                    file = null;
                }
                if (file != null && diagnostics.all().isEmpty()) {
                    cache(key, file);
                }
            }
            if (file != null) {
                built.add(file);
            } else {
                built.add(new AstBuilder.Built(new RuleFile(source.name(), List.of(), List.of()), Map.of(), Map.of(),
                        Set.of(), Map.of(), Set.of()));
            }
        }

        // Event declarations: global; identical re-declarations merge, different ones conflict.
        Map<String, EventDecl> events = new LinkedHashMap<>();
        Set<String> brokenEvents = new HashSet<>();
        Map<String, Set<String>> untypedFields = new HashMap<>();
        for (int i = 0; i < built.size(); i++) {
            AstBuilder.Built file = built.get(i);
            brokenEvents.addAll(file.brokenEvents());
            file.untypedFields().forEach((event, fields) ->
                    untypedFields.computeIfAbsent(event, e -> new HashSet<>()).addAll(fields));
            for (EventDecl decl : file.file().events()) {
                EventDecl first = events.putIfAbsent(decl.name(), decl);
                if (first != null && !first.sameShape(decl)) {
                    perFile.get(i).add(ErrorCode.CONFLICTING_EVENT, file.namePositions().get(decl),
                            "event `" + decl.name() + "` is declared differently here and at " + first.file()
                                    + ":" + first.pos().line() + "; declarations of one event must be identical");
                }
            }
        }

        // Tables: global like events; identical re-declarations merge, different ones conflict, and
        // a name is an event type or a table, not both.
        Map<String, TableDecl> tables = new LinkedHashMap<>();
        Set<String> brokenTables = new HashSet<>();
        for (int i = 0; i < built.size(); i++) {
            AstBuilder.Built file = built.get(i);
            brokenTables.addAll(file.brokenTables());
            for (TableDecl decl : file.file().tables()) {
                Position at = file.tablePositions().getOrDefault(decl, decl.pos());
                EventDecl event = events.get(decl.name());
                if (event != null) {
                    perFile.get(i).add(ErrorCode.TABLE_AS_EVENT, at, "`" + decl.name() + "` is declared as an event at "
                            + event.file() + ":" + event.pos().line() + "; a name is an event type or a table, not both");
                    continue;
                }
                TableDecl first = tables.putIfAbsent(decl.name(), decl);
                if (first != null && !first.sameShape(decl)) {
                    perFile.get(i).add(ErrorCode.CONFLICTING_TABLE, at,
                            "table `" + decl.name() + "` is declared differently here and at " + first.file()
                                    + ":" + first.pos().line() + "; declarations of one table must be identical");
                }
            }
        }

        // Rule ids: unique across all files.
        Map<String, Rule> rulesById = new HashMap<>();
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < built.size(); i++) {
            AstBuilder.Built file = built.get(i);
            for (Rule rule : file.file().rules()) {
                Rule first = rulesById.putIfAbsent(rule.id(), rule);
                if (first != null) {
                    perFile.get(i).add(ErrorCode.DUPLICATE_RULE, file.idPositions().get(rule),
                            "duplicate rule id `" + rule.id() + "`; also declared at " + first.file() + ":"
                                    + first.pos().line());
                } else {
                    rules.add(rule);
                }
            }
        }

        Checker checker = new Checker(events, brokenEvents, untypedFields, tables, brokenTables);
        for (int i = 0; i < built.size(); i++) {
            Diagnostics diagnostics = perFile.get(i);
            for (Rule rule : built.get(i).file().rules()) {
                try {
                    checker.check(rule, diagnostics);
                } catch (StackOverflowError e) {
                    diagnostics.add(ErrorCode.TOO_LARGE, rule.pos(), "rule is too large: it nests too deeply");
                }
            }
        }

        List<Diagnostic> all = new ArrayList<>();
        for (Diagnostics diagnostics : perFile) {
            List<Diagnostic> sorted = new ArrayList<>(diagnostics.all());
            sorted.sort(Comparator.comparingInt(Diagnostic::line).thenComparingInt(Diagnostic::column));
            all.addAll(sorted);
        }
        if (!all.isEmpty()) {
            return new CompileResult(Optional.empty(), all);
        }
        List<RuleFile> files = built.stream().map(AstBuilder.Built::file).toList();
        return new CompileResult(Optional.of(new RuleSet(files, List.copyOf(events.values()),
                List.copyOf(tables.values()), rules)), List.of());
    }
}

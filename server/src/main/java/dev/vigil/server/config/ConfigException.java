package dev.vigil.server.config;

import java.util.List;

/** The configuration is wrong: every problem found, each with its path. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(String.join("\n", problems.stream().map(ConfigProblem::toString).toList()));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in configuration order. */
    public List<ConfigProblem> problems() {
        return problems;
    }
}

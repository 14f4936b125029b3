package dev.vigil.rules.ast;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The {@code when} clause of a rule: one of the five condition forms. */
public sealed interface Condition extends Node {

    /** {@code when Transaction(amount > 10000)}: every matching event raises one alert. */
    record Filter(EventRef event, Position pos) implements Condition {
        public Filter {
            requireNonNull(event, "event is null");
        }
    }

    /** {@code when a: A -> b: B by k within D}. */
    record Pattern(List<PatternTerm> terms, List<Ident> by, Optional<TimeSpan> within, Position pos)
            implements Condition {
        public Pattern {
            terms = List.copyOf(terms);
            by = List.copyOf(by);
            requireNonNull(within, "within is null");
        }
    }

    /** {@code when T(F) by k over WINDOW having EXPR [for D]}. */
    record Aggregate(EventRef event, List<Ident> by, Window window, Expr having, Optional<TimeSpan> forDuration,
                     Position pos) implements Condition {
        public Aggregate {
            requireNonNull(event, "event is null");
            by = List.copyOf(by);
            requireNonNull(window, "window is null");
            requireNonNull(having, "having is null");
            requireNonNull(forDuration, "forDuration is null");
        }
    }

    /** {@code when absent T(F) by k for D}: a key that goes silent. */
    record Absence(EventRef event, List<Ident> by, TimeSpan duration, Position pos) implements Condition {
        public Absence {
            requireNonNull(event, "event is null");
            by = List.copyOf(by);
            requireNonNull(duration, "duration is null");
        }
    }

    /** {@code when epl """..."""}: compiled as is. */
    record Epl(String statement, Position pos) implements Condition {
        public Epl {
            requireNonNull(statement, "statement is null");
        }
    }
}

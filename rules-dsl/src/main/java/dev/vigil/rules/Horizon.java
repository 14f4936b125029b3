package dev.vigil.rules;

import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.PatternTerm;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.TimeSpan;
import dev.vigil.rules.ast.Window;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * The horizon of a rule: the longest time its state can depend on, so that replaying the events of
 * the last horizon rebuilds that state (design.md, "State and recovery").
 *
 * <ul>
 *   <li>filter: 0 (no state);
 *   <li>aggregate: the window's size (sliding, tumbling, hopping) plus its {@code for} duration; a
 *       session window lasts as long as events keep coming, and {@code last N events} holds events
 *       of any age: unbounded;
 *   <li>absence: its {@code for} duration;
 *   <li>pattern: its {@code within}; without one, the sum of its {@code absent ... for} durations
 *       when every term after the first is an absence and the first completes at once (an event, or
 *       an {@code or} group of events), since an attempt then lives exactly that long
 *       ({@code a: Order -> absent Shipment for 1 h}); any other pattern without {@code within}
 *       waits for its next event for ever: unbounded;
 *   <li>raw EPL: unbounded (its state is not analysed).
 * </ul>
 *
 * {@code throttle} does not count: the throttle's state is rebuilt from the alert store. A pure
 * function of the rule, safe from any thread.
 */
public final class Horizon {
    /** The default of {@code state.maxHorizon}: what an unbounded rule counts as. */
    public static final Duration DEFAULT_MAX = Duration.ofHours(24);

    private Horizon() {
    }

    /** The rule's horizon in milliseconds; empty when it is unbounded. */
    public static OptionalLong millis(Rule rule) {
        return analyse(rule).millis();
    }

    /**
     * The rule's horizon, at most {@code max}: an unbounded rule, and one whose horizon is longer,
     * count as {@code max} (state older than that is not rebuilt on recovery).
     *
     * @throws IllegalArgumentException when {@code max} is not positive
     */
    public static long cappedMillis(Rule rule, Duration max) {
        long cap = maxMillis(max);
        OptionalLong h = millis(rule);
        return h.isPresent() ? Math.min(h.getAsLong(), cap) : cap;
    }

    /** The longest {@link #cappedMillis} of the rules (the horizon of an engine running them); 0 for none. */
    public static long longestMillis(List<Rule> rules, Duration max) {
        maxMillis(max);
        long longest = 0;
        for (Rule r : rules) {
            longest = Math.max(longest, cappedMillis(r, max));
        }
        return longest;
    }

    /**
     * Why the rule's horizon is unbounded, as a phrase ("a pattern without `within`", "a session
     * window"); empty when it is bounded.
     */
    public static Optional<String> unboundedBecause(Rule rule) {
        return analyse(rule).unboundedBecause();
    }

    /** A horizon and, when it is unbounded, why. */
    private record Analysis(OptionalLong millis, Optional<String> unboundedBecause) {
        static Analysis bounded(long millis) {
            return new Analysis(OptionalLong.of(millis), Optional.empty());
        }

        static Analysis unbounded(String because) {
            return new Analysis(OptionalLong.empty(), Optional.of(because));
        }
    }

    private static Analysis analyse(Rule rule) {
        requireNonNull(rule, "rule is null");
        return switch (rule.when()) {
            case Condition.Filter f -> Analysis.bounded(0);
            case Condition.Pattern p -> pattern(p);
            case Condition.Aggregate a -> {
                long forMillis = a.forDuration().map(TimeSpan::millis).orElse(0L);
                yield switch (a.window()) {
                    case Window.Sliding s -> Analysis.bounded(add(s.size().millis(), forMillis));
                    case Window.Tumbling t -> Analysis.bounded(add(t.size().millis(), forMillis));
                    case Window.Hopping h -> Analysis.bounded(add(h.size().millis(), forMillis));
                    case Window.Session s -> Analysis.unbounded("a session window");
                    case Window.Length l -> Analysis.unbounded("a `last N events` window");
                };
            }
            case Condition.Absence a -> Analysis.bounded(a.duration().millis());
            case Condition.Epl e -> Analysis.unbounded("raw EPL");
        };
    }

    private static Analysis pattern(Condition.Pattern p) {
        if (p.within().isPresent()) {
            return Analysis.bounded(p.within().get().millis());
        }
        Analysis unbounded = Analysis.unbounded("a pattern without `within`");
        List<PatternTerm> terms = p.terms();
        if (terms.isEmpty() || !completesAtOnce(terms.get(0))) {
            return unbounded;
        }
        long total = 0;
        for (PatternTerm t : terms.subList(1, terms.size())) {
            if (!(t instanceof PatternTerm.AbsentTerm a)) {
                return unbounded;
            }
            total = add(total, a.duration().millis());
        }
        return Analysis.bounded(total);
    }

    /** Whether a first term matches with one event, so an attempt starts complete. */
    private static boolean completesAtOnce(PatternTerm first) {
        return switch (first) {
            case PatternTerm.EventTerm e -> e.times() <= 1;
            case PatternTerm.Group g -> (g.op() == PatternTerm.GroupOp.OR || g.members().size() <= 1)
                    && g.members().stream().allMatch(m -> m.times() <= 1);
            case PatternTerm.AbsentTerm a -> false;
        };
    }

    private static long maxMillis(Duration max) {
        requireNonNull(max, "max is null");
        if (max.isNegative() || max.isZero()) {
            throw new IllegalArgumentException("max must be positive: " + max);
        }
        return max.toMillis();
    }

    /** Durations are not negative; a sum past {@code Long.MAX_VALUE} stays there (and is capped anyway). */
    private static long add(long a, long b) {
        return b > Long.MAX_VALUE - a ? Long.MAX_VALUE : a + b;
    }
}

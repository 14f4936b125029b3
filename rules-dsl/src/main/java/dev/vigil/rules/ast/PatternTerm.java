package dev.vigil.rules.ast;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** One term of a pattern, joined to the next by {@code ->}. */
public sealed interface PatternTerm extends Node {

    /** {@code [TAG:] TYPE[(FILTER)] [times N]}; {@code times} is 1 when not written. */
    record EventTerm(Optional<String> tag, EventRef event, long times, Position pos) implements PatternTerm {
        public EventTerm {
            requireNonNull(tag, "tag is null");
            requireNonNull(event, "event is null");
        }
    }

    /** {@code absent TYPE[(FILTER)] for DURATION}. */
    record AbsentTerm(EventRef event, TimeSpan duration, Position pos) implements PatternTerm {
        public AbsentTerm {
            requireNonNull(event, "event is null");
            requireNonNull(duration, "duration is null");
        }
    }

    enum GroupOp { AND, OR }

    /** A parenthesised group: {@code (a: A and b: B)} or {@code (a: A or b: B)}. */
    record Group(GroupOp op, List<EventTerm> members, Position pos) implements PatternTerm {
        public Group {
            requireNonNull(op, "op is null");
            members = List.copyOf(members);
        }
    }
}

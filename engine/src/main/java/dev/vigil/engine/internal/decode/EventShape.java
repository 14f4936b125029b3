package dev.vigil.engine.internal.decode;

import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.FieldType;

import java.util.List;

/** A declared event type as the engine lays it out: field positions in the row, the time field. */
public final class EventShape {
    private final EventDecl decl;
    private final String[] names;
    private final FieldType[] types;
    private final int timestampIndex;

    public EventShape(EventDecl decl) {
        this.decl = decl;
        List<FieldDecl> fields = decl.fields();
        names = new String[fields.size()];
        types = new FieldType[fields.size()];
        int ts = -1;
        for (int i = 0; i < fields.size(); i++) {
            // Interned, as Jackson interns the field names it reads: the decoder's lookups are then
            // mostly a reference comparison.
            names[i] = fields.get(i).name().intern();
            types[i] = fields.get(i).type();
            if (types[i] == FieldType.TIMESTAMP && ts < 0) {
                ts = i;
            }
        }
        timestampIndex = ts;
    }

    String name() {
        return decl.name();
    }

    public EventDecl decl() {
        return decl;
    }

    int size() {
        return names.length;
    }

    String fieldName(int i) {
        return names[i];
    }

    FieldType fieldType(int i) {
        return types[i];
    }

    /** Position of a field in the row ({@link DecodedEvent#row()}), or -1. */
    public int fieldIndex(String field) {
        return indexOf(field);
    }

    /** Position of a field in the row, or -1. */
    int indexOf(String field) {
        return indexOf(field, 0);
    }

    /**
     * Position of a field in the row, or -1, looking first from {@code hint} on (the position after
     * the previous field of the same object: events usually list their fields in declared order).
     * Types have a handful of fields, so a scan beats hashing the name.
     */
    int indexOf(String field, int hint) {
        int n = names.length;
        int start = hint >= 0 && hint < n ? hint : 0;
        for (int k = 0; k < n; k++) {
            int i = start + k < n ? start + k : start + k - n;
            if (names[i] == field) {
                return i;
            }
        }
        for (int i = 0; i < n; i++) {
            if (names[i].equals(field)) {
                return i;
            }
        }
        return -1;
    }

    /** Position of the timestamp field, or -1 when the type has none. */
    int timestampIndex() {
        return timestampIndex;
    }
}

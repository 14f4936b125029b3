package dev.vigil.engine;

import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.FieldType;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A declared event type as the engine lays it out: field positions in the row, the time field. */
final class EventShape {
    private final EventDecl decl;
    private final String[] names;
    private final FieldType[] types;
    private final Map<String, Integer> index = new HashMap<>();
    private final int timestampIndex;

    EventShape(EventDecl decl) {
        this.decl = decl;
        List<FieldDecl> fields = decl.fields();
        names = new String[fields.size()];
        types = new FieldType[fields.size()];
        int ts = -1;
        for (int i = 0; i < fields.size(); i++) {
            names[i] = fields.get(i).name();
            types[i] = fields.get(i).type();
            index.put(names[i], i);
            if (types[i] == FieldType.TIMESTAMP && ts < 0) {
                ts = i;
            }
        }
        timestampIndex = ts;
    }

    String name() {
        return decl.name();
    }

    EventDecl decl() {
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

    /** Position of a field in the row, or -1. */
    int indexOf(String field) {
        Integer i = index.get(field);
        return i == null ? -1 : i;
    }

    /** Position of the timestamp field, or -1 when the type has none. */
    int timestampIndex() {
        return timestampIndex;
    }
}

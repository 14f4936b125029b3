package dev.vigil.bench;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} command-line options. */
public final class Opts {
    private final Map<String, String> values = new HashMap<>();

    public Opts(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            values.put(args[i].substring(2), args[++i]);
        }
    }

    public String get(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    public String require(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    public int getInt(String name, int dflt) {
        String v = values.get(name);
        return v == null ? dflt : Integer.parseInt(v.replace("_", ""));
    }
}

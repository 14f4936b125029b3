package dev.vigil.engine;

import java.util.List;

/**
 * What a deploy did, by rule id: {@code deployed} every rule now running (enabled rules of the new
 * set), of which {@code changed} were redeployed fresh (their text or an event type they read
 * changed), {@code unchanged} kept their state, and {@code added} are new; {@code removed} rules are
 * no longer running (deleted or disabled).
 */
public record DeployResult(List<String> deployed, List<String> added, List<String> changed,
                           List<String> unchanged, List<String> removed) {
    public DeployResult {
        deployed = List.copyOf(deployed);
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        unchanged = List.copyOf(unchanged);
        removed = List.copyOf(removed);
    }
}

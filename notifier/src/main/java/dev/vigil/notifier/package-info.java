/**
 * Alert delivery, as the server uses it: the {@link dev.vigil.notifier.Notifier} that the engine
 * hands alerts to, its configuration ({@link dev.vigil.notifier.NotifierConfig}: the records of the
 * {@code channels}, {@code routes} and {@code store} sections, which the server reads from YAML),
 * and what the admin API reads through {@link dev.vigil.notifier.AlertHistory} (history, dead
 * letters, counts) and {@link dev.vigil.notifier.Notifier#stats()}.
 *
 * <p>Delivery is at least once: an alert and its outbox rows are committed before any channel
 * sees them, and a row leaves the outbox only when its channel confirmed it or gave it up.
 * Receivers deduplicate by the alert id ({@code webhook-id}, the email's {@code Message-ID}).
 *
 * <p>The store and the channels are in {@code internal} sub-packages ({@code internal.store},
 * {@code internal.channel}): not an API.
 */
package dev.vigil.notifier;

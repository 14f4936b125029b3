/**
 * Alert delivery: the notifier's configuration ({@link dev.vigil.notifier.NotifierConfig}, the records
 * of the {@code channels}, {@code routes} and {@code store} sections, which the server reads), the
 * {@link dev.vigil.notifier.Notifier} that the engine hands alerts to, and its SQLite
 * {@link dev.vigil.notifier.NotifierStore} (history, outbox, dead letters)
 * that the admin API queries.
 *
 * <p>Delivery is at least once: an alert and its outbox rows are committed before any channel
 * sees them, and a row leaves the outbox only when its channel confirmed it or gave it up.
 * Receivers deduplicate by the alert id ({@code webhook-id}, the email's {@code Message-ID}).
 */
package dev.vigil.notifier;

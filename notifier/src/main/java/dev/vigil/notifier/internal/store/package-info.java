/**
 * The notifier's SQLite store, {@link dev.vigil.notifier.internal.store.NotifierStore}: the alert
 * history, the outbox, the delivered and dead-lettered deliveries, each change one transaction.
 *
 * <p>Internal: the notifier and its channel workers write through it; others read it as
 * {@link dev.vigil.notifier.AlertHistory}.
 */
package dev.vigil.notifier.internal.store;

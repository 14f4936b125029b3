/**
 * The notifier's channels and how a delivery is attempted: one {@link
 * dev.vigil.notifier.internal.channel.ChannelWorker} per configured channel takes its outbox rows
 * and makes each attempt through a {@code Channel} (webhook, SMS, email, log), and
 * {@code RetryPolicy} alone decides from the attempt's {@code Outcome} whether the delivery is done,
 * retried after a {@link dev.vigil.notifier.internal.channel.Backoff} delay, or dead-lettered.
 *
 * <p>Internal: used by {@link dev.vigil.notifier.Notifier} only; nothing here is an API.
 */
package dev.vigil.notifier.internal.channel;

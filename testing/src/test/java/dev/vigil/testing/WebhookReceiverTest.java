package dev.vigil.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

class WebhookReceiverTest {
    /** The Standard Webhooks specification's published test vector (also in the Svix libraries' tests). */
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final String TIMESTAMP = "1614265330";
    private static final String BODY = "{\"test\": 2432232314}";
    private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpRequest.Builder post(WebhookReceiver r, String path, String body) {
        return HttpRequest.newBuilder(r.url(path)).POST(HttpRequest.BodyPublishers.ofString(body));
    }

    @Test
    void verify_standardWebhooksTestVector_matchesAnyOfTheSignatures() {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookReceiver.verify(SECRET, ID, TIMESTAMP, "v1,bm9wZQ== " + SIGNATURE, body)).isTrue();
        assertThat(WebhookReceiver.verify(SECRET, ID, "1614265331", SIGNATURE, body)).isFalse();
        assertThat(WebhookReceiver.verify(SECRET, ID, TIMESTAMP, "v2," + SIGNATURE.substring(3), body)).isFalse();
        assertThat(WebhookReceiver.verify(SECRET, null, TIMESTAMP, SIGNATURE, body)).isFalse();
        assertThat(WebhookReceiver.verify("whsec_not base64!", ID, TIMESTAMP, SIGNATURE, body)).isFalse();
    }

    @Test
    void signedReceiver_recordsWhetherEachRequestsSignatureVerified() throws Exception {
        try (WebhookReceiver r = WebhookReceiver.signed(SECRET, 204)) {
            HttpResponse<String> good = http.send(post(r, "/hook", BODY).header("webhook-id", ID)
                    .header("webhook-timestamp", TIMESTAMP).header("webhook-signature", SIGNATURE).build(),
                    HttpResponse.BodyHandlers.ofString());
            http.send(post(r, "/hook", BODY + " ").header("webhook-id", ID).header("webhook-timestamp", TIMESTAMP)
                    .header("webhook-signature", SIGNATURE).build(), HttpResponse.BodyHandlers.ofString());
            http.send(post(r, "/hook", BODY).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(good.statusCode()).isEqualTo(204);
            assertThat(r.requests()).extracting(WebhookReceiver.Request::signatureValid).containsExactly(true, false, false);
            assertThat(r.requests().get(0).header("WEBHOOK-ID")).isEqualTo(ID);
            assertThat(r.requests().get(2).header("webhook-id")).isNull();
        }
    }

    @Test
    void answers_areChosenByCallNumberAndPath_andRecordedWithEachRequest() throws Exception {
        try (WebhookReceiver r = new WebhookReceiver(Optional.empty(), c -> c.path().equals("/limited")
                ? WebhookReceiver.Answer.of(429, "Retry-After", "7")
                : WebhookReceiver.Answer.of(c.n() == 0 ? 500 : 200))) {
            HttpResponse<String> first = http.send(post(r, "/a", "one").build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> limited = http.send(post(r, "/limited", "two").build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> third = http.send(post(r, "/a", "three").build(), HttpResponse.BodyHandlers.ofString());

            assertThat(first.statusCode()).isEqualTo(500);
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).hasValue("7");
            assertThat(third.statusCode()).isEqualTo(200);
            assertThat(third.body()).isEqualTo("{}");
            assertThat(r.requests()).extracting(WebhookReceiver.Request::path, WebhookReceiver.Request::body,
                    WebhookReceiver.Request::answered).containsExactly(
                    tuple("/a", "one", 500),
                    tuple("/limited", "two", 429),
                    tuple("/a", "three", 200));
            assertThat(r.accepted()).extracting(WebhookReceiver.Request::body).containsExactly("three");

            r.answer(c -> WebhookReceiver.Answer.of(201));
            assertThat(http.send(post(r, "/a", "four").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(201);
        }
    }

    @Test
    void hangingAnswer_holdsItsRequestUntilClose_andDelaysNoOther() throws Exception {
        CompletableFuture<HttpResponse<String>> hanging;
        try (WebhookReceiver r = new WebhookReceiver(Optional.empty(),
                c -> c.n() == 0 ? WebhookReceiver.Answer.hanging() : WebhookReceiver.Answer.of(204))) {
            hanging = http.sendAsync(post(r, "/slow", "x").build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(10)).until(() -> r.requests().size() == 1);
            assertThat(http.send(post(r, "/fast", "y").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(204);
            assertThat(hanging).isNotDone();
            assertThat(r.requests()).extracting(WebhookReceiver.Request::answered).containsExactly(0, 204);
        }
        await().atMost(Duration.ofSeconds(10)).until(hanging::isDone);
        assertThat(hanging).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IOException.class);
    }
}

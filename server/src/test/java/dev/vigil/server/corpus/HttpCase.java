package dev.vigil.server.corpus;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request of the HTTP corpus ({@code http-ingest.yaml}, {@code admin-api.yaml}) and the exact
 * answer it must get.
 *
 * @param server for the admin API: {@code token} (default, an admin token is configured) or
 *     {@code loopback} (none is: only loopback {@code Host} names are answered)
 * @param headers added to, or with a null value removed from, the category's default headers
 * @param body the body as UTF-8 text; or {@code bytes}, one byte per character
 * @param padTo spaces appended to the body until it is this many bytes long
 * @param chunked send the body with chunked transfer encoding instead of a Content-Length
 * @param raw the whole request as it goes on the wire (ISO-8859-1), instead of the fields above
 * @param response the exact body of the answer; or {@code responsePrefix}, a prefix of it when the
 *     rest holds something variable (a parser's column, an exception class)
 * @param responseHeaders headers the answer must have, exactly
 * @param echo the {@code source} text of the alert the case's event must raise through the probe
 *     server's {@code echo} rule (an odd but valid text reaches its alert whole)
 * @param defect for a case of a known defect: what is wrong today (the case states what a user should get)
 */
record HttpCase(String name, String server, String method, String path, Map<String, String> headers, String body,
                String bytes, Integer padTo, Boolean chunked, String raw, int status, String response,
                String responsePrefix, Map<String, String> responseHeaders, String echo, String defect) {

    @Override
    public String toString() {
        return name;
    }

    /** The request's bytes, placeholders expanded with {@code ctx}. */
    byte[] request(Corpus.Context ctx, Map<String, String> defaults) {
        if (raw != null) {
            return Corpus.latin1(ctx.expand(raw));
        }
        Map<String, String> h = new LinkedHashMap<>(defaults);
        if (headers != null) {
            headers.forEach((k, v) -> {
                h.keySet().removeIf(d -> d.equalsIgnoreCase(k));
                h.put(k, ctx.expand(v));
            });
        }
        byte[] b = ctx.bytes(body, bytes);
        if (padTo != null && b.length < padTo) {
            byte[] padded = java.util.Arrays.copyOf(b, padTo);
            java.util.Arrays.fill(padded, b.length, padTo, (byte) ' ');
            b = padded;
        }
        return RawHttp.request(method == null ? "POST" : method, ctx.expand(path == null ? "/events" : path), h, b,
                Boolean.TRUE.equals(chunked));
    }

    /** Checks the answer against the case: status, body (exact or prefix), headers. */
    void check(RawHttp.Response r, Corpus.Context ctx) {
        var soft = new org.assertj.core.api.SoftAssertions();
        soft.assertThat(r.status()).as("status of %s; answer: %s", name, r.raw()).isEqualTo(status);
        if (response != null) {
            soft.assertThat(r.body()).as("body of %s", name).isEqualTo(ctx.expand(response));
        }
        if (responsePrefix != null) {
            soft.assertThat(r.body()).as("body of %s", name).startsWith(ctx.expand(responsePrefix));
        }
        if (response == null && responsePrefix == null) {
            soft.fail("case %s states no expected body (response or responsePrefix)", name);
        }
        if (responseHeaders != null) {
            responseHeaders.forEach((k, v) -> soft.assertThat(r.header(k)).as("header %s of %s", k, name).isEqualTo(v));
        }
        // A bug is a 500 with an incident id; the corpus holds only the client's mistakes.
        soft.assertThat(r.status()).as("%s is the client's mistake, never a 500", name).isNotEqualTo(500);
        soft.assertThat(r.body()).as("%s is the client's mistake, never an internal error", name).doesNotContain("internal error");
        soft.assertThat(r.body()).as("no stack trace in the answer to %s", name).doesNotContain("\tat ");
        soft.assertAll();
    }
}

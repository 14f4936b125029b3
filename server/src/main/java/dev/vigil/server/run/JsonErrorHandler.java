package dev.vigil.server.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Json;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Jetty's answer to a request it refuses before Vigil sees it (a header it cannot parse, such as a
 * Content-Length beyond 64 bits), in the JSON form of every other error: {@code {"error": "..."}}
 * instead of Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        ObjectNode body = Json.mapper().createObjectNode();
        String reason = message == null || message.isBlank() ? "status " + code : message;
        if (code == 400 && reason.equals("Bad Request")) {
            // Jetty says no more (a Content-Length beyond 64 bits, a bad escape in the path): say where.
            reason = "its request line or a header could not be parsed";
        }
        body.put("error", code >= 500 && code != 505 ? "internal error: " + reason : "the request could not be read: " + reason);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body.toString().getBytes(StandardCharsets.UTF_8)), callback);
    }
}

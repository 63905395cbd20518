package io.iamlet.server;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The error body every client understands: {@code code/message} and {@code Code/Message}. */
final class ErrorJson {

    static final JsonMapper MAPPER = JsonMapper.shared();

    private ErrorJson() {
    }

    static byte[] body(String code, String message) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("code", code);
        body.put("message", message);
        body.put("Code", code);
        body.put("Message", message);
        return MAPPER.writeValueAsBytes(body);
    }
}

package com.linqapp.gateway.jobs;

import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * What a client asked for when it submitted a job (everything but the lines).
 *
 * @param client         the client key's name; the job belongs to it
 * @param name           the client's label for the job, or {@code null}
 * @param service        the service of lines that name none
 * @param maxAgeSeconds  the {@code max_age} of lines that give none, or {@code null}
 * @param priority       the engine lane its checks take
 * @param callbackUrl    where the summary is posted when the job ends, or {@code null}
 * @param idempotencyKey the client's {@code Idempotency-Key}, or {@code null}
 */
public record JobSpec(String client, String name, Service service, Long maxAgeSeconds, Priority priority,
                      String callbackUrl, String idempotencyKey) {

  public JobSpec {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(priority, "priority");
  }

  public JsonObject toJson() {
    return new JsonObject().put("client", client).put("name", name).put("service", service.wireName())
        .put("max_age", maxAgeSeconds).put("priority", priority.wireName()).put("callback_url", callbackUrl)
        .put("idempotency_key", idempotencyKey);
  }

  public static JobSpec fromJson(JsonObject json) {
    return new JobSpec(json.getString("client"), json.getString("name"),
        Service.fromWireName(json.getString("service")), json.getLong("max_age"),
        Priority.parse(json.getString("priority"), Priority.BULK), json.getString("callback_url"),
        json.getString("idempotency_key"));
  }
}

package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Clustered gateways with the PostgreSQL job store: the job routes work on every node (with the file store
 * they answer 503), whichever node took the submission and whichever runs the job.
 */
class ClusterJobsTest {

  static final PostgresServer SERVER = PostgresServer.shared();
  static final int LINES = 200;

  Vertx clientVertx;
  WebClient web;
  ClusterFixture.Pair pair;

  @AfterEach
  void stop() {
    if (pair != null) {
      ClusterFixture.close(pair.b());
      ClusterFixture.close(pair.a());
    }
    if (web != null) {
      web.close();
    }
    ClusterFixture.close(clientVertx);
  }

  HttpResponse<Buffer> call(String method, int port, String path, String body) {
    var request = web.request(io.vertx.core.http.HttpMethod.valueOf(method), port, "127.0.0.1", path)
        .putHeader("Authorization", "Bearer " + GatewayHarness.KEY_A);
    return await(body == null ? request.send() : request.sendBuffer(Buffer.buffer(body)));
  }

  @Test
  @DisplayName("a job submitted on one node is read, followed and listed on the other, and completes")
  void jobRoutesWorkOnEveryNode() {
    clientVertx = Vertx.vertx();
    LinqSimulator sim = await(LinqSimulator.start(clientVertx, new SimulatorOptions()));
    web = ClusterFixture.web(clientVertx);
    pair = ClusterFixture.startPair(getClass(), sim, new JsonObject()
        .put("GATEWAY_JOBS_STORE", SERVER.url(SERVER.createDatabase("cluster_jobs"))), 0);
    int portA = pair.a().httpPort();
    int portB = pair.b().httpPort();

    StringBuilder body = new StringBuilder();
    for (int i = 0; i < LINES; i++) {
      body.append(new JsonObject().put("address", ClusterFixture.phone(7, i)).encode()).append('\n');
    }
    HttpResponse<Buffer> submitted = call("POST", portA, "/v1/jobs", body.toString());
    assertThat(submitted.statusCode()).as(submitted.bodyAsString()).isEqualTo(202);
    String id = submitted.bodyAsJsonObject().getString("id");

    HttpResponse<Buffer> followed = call("GET", portB, "/v1/jobs/" + id + "/results?follow=true", null);
    assertThat(followed.statusCode()).isEqualTo(200);
    assertThat(followed.bodyAsString().lines().map(line -> new JsonObject(line).getLong("index")).distinct().count())
        .isEqualTo(LINES);
    until("the job completed, seen from node B", () -> "completed".equals(
        call("GET", portB, "/v1/jobs/" + id, null).bodyAsJsonObject().getString("status")));
    assertThat(call("GET", portA, "/v1/jobs/" + id, null).bodyAsJsonObject().getLong("answered")).isEqualTo(LINES);
    assertThat(call("GET", portB, "/v1/jobs", null).bodyAsString()).contains(id);
  }
}

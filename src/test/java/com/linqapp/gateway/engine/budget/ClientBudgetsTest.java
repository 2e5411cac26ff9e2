package com.linqapp.gateway.engine.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.config.DailyBudgets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientBudgetsTest {

  private static final long NOON = Instant.parse("2024-03-10T12:00:00Z").toEpochMilli();
  private static final long MIDNIGHT = Instant.parse("2024-03-11T00:00:00Z").toEpochMilli();

  @Test
  @DisplayName("a client under its budget goes ahead and each check is counted")
  void underBudget() {
    ClientBudgets budgets = budgets("crm=3");

    assertThat(budgets.tryConsume("crm", NOON)).isNull();
    assertThat(budgets.tryConsume("crm", NOON)).isNull();
    assertThat(budgets.remaining("crm", NOON)).hasValue(1);
    assertThat(budgets.tryConsume("crm", NOON)).isNull();
    assertThat(budgets.remaining("crm", NOON)).hasValue(0);
  }

  @Test
  @DisplayName("a client over its budget gets 429/9007 with retry_after = seconds to midnight UTC, and no x-should-retry")
  void overBudget() {
    ClientBudgets budgets = budgets("crm=2");
    budgets.tryConsume("crm", NOON);
    budgets.tryConsume("crm", NOON);

    CheckException refused = budgets.tryConsume("crm", NOON);

    assertThat(refused).isNotNull();
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.code()).isEqualTo(ErrorCodes.CLIENT_BUDGET_EXHAUSTED);
    assertThat(refused.retryAfterSeconds()).isEqualTo(12 * 3600);
    assertThat(refused.toEnvelope().getJsonObject("error").getInteger("retry_after")).isEqualTo(12 * 3600);
    assertThat(refused.getMessage()).contains("crm").contains("midnight UTC");
    assertThat(refused.retryHelps()).isFalse();
    assertThat(budgets.remaining("crm", NOON)).hasValue(0);
  }

  @Test
  @DisplayName("retry_after rounds a partial second up, so a retry never comes before the reset")
  void retryAfterRoundsUp() {
    ClientBudgets budgets = budgets("crm=1");
    budgets.tryConsume("crm", MIDNIGHT - 5_000);

    assertThat(budgets.tryConsume("crm", MIDNIGHT - 1_500).retryAfterSeconds()).isEqualTo(2);
    assertThat(budgets.tryConsume("crm", MIDNIGHT - 1).retryAfterSeconds()).isEqualTo(1);
  }

  @Test
  @DisplayName("the budget resets at midnight UTC, not 24 hours after the first check")
  void resetsAtMidnightUtc() {
    ClientBudgets budgets = budgets("crm=1");
    assertThat(budgets.tryConsume("crm", MIDNIGHT - 60_000)).isNull();
    assertThat(budgets.tryConsume("crm", MIDNIGHT - 1)).isNotNull();

    assertThat(budgets.tryConsume("crm", MIDNIGHT)).isNull();
    CheckException refused = budgets.tryConsume("crm", MIDNIGHT + 1_000);
    assertThat(refused.retryAfterSeconds()).isEqualTo(86_399);
  }

  @Test
  @DisplayName("a wall clock stepped back across midnight does not hand out a second budget")
  void clockSteppedBackKeepsCount() {
    ClientBudgets budgets = budgets("crm=1");
    assertThat(budgets.tryConsume("crm", MIDNIGHT + 1_000)).isNull();

    CheckException refused = budgets.tryConsume("crm", MIDNIGHT - 1_000);

    assertThat(refused).isNotNull();
    assertThat(refused.retryAfterSeconds()).isEqualTo(86_401);
  }

  @Test
  @DisplayName("clients without a budget, and the anonymous client, are never refused")
  void unlimitedClients() {
    ClientBudgets budgets = budgets("crm=1");

    for (int i = 0; i < 10_000; i++) {
      assertThat(budgets.tryConsume("etl", NOON)).isNull();
      assertThat(budgets.tryConsume(null, NOON)).isNull();
    }
    assertThat(budgets.remaining("etl", NOON)).isEmpty();
    assertThat(budgets.dailyLimit("crm")).hasValue(1);
    assertThat(ClientBudgets.none().tryConsume("crm", NOON)).isNull();
  }

  @Test
  @DisplayName("a refunded check (cache hit, refused before sending) does not use up the budget")
  void refundGivesBackOne() {
    ClientBudgets budgets = budgets("crm=1");
    budgets.tryConsume("crm", NOON);
    budgets.refund("crm", NOON);

    assertThat(budgets.tryConsume("crm", NOON)).isNull();
    budgets.refund("crm", MIDNIGHT + 1);
    assertThat(budgets.tryConsume("crm", NOON)).isNotNull();
    budgets.refund("etl", NOON);
    budgets.refund(null, NOON);
  }

  @Test
  @DisplayName("a blank setting means no budgets; spaces and blank entries are tolerated")
  void blankAndLenientSettings() {
    assertThat(budgets("").isEmpty()).isTrue();
    assertThat(budgets("  ").isEmpty()).isTrue();
    assertThat(budgets(null).isEmpty()).isTrue();

    ClientBudgets budgets = budgets(" crm = 10000 , etl=500000,");
    assertThat(budgets.dailyLimit("crm")).hasValue(10_000);
    assertThat(budgets.dailyLimit("etl")).hasValue(500_000);
    assertThat(budgets.dailyLimit("other")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"crm", "crm=", "=10", "crm=abc", "crm=-1", "crm=0", "crm=1.5", "cr m=10",
      "crm=99999999999999999999", "crm=10,crm=20"})
  @DisplayName("a malformed budget setting stops startup with a message naming the setting")
  void parseErrorsNameTheSetting(String setting) {
    assertThatThrownBy(() -> DailyBudgets.parse(setting))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GATEWAY_CLIENT_DAILY_BUDGETS");
  }

  @Test
  @DisplayName("a budget below 1 given in code is refused")
  void constructorValidates() {
    assertThatThrownBy(() -> new ClientBudgets(Map.of("crm", 0L))).isInstanceOf(IllegalArgumentException.class);
  }

  /** Budgets as the gateway reads them from its setting. */
  private static ClientBudgets budgets(String setting) {
    return new ClientBudgets(DailyBudgets.parse(setting));
  }
}

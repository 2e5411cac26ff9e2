package com.linqapp.gateway.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.joran.util.ConfigurationWatchListUtil;
import java.net.URL;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code GATEWAY_LOG_FORMAT} from the gateway's configuration. Logback starts with the first
 * log line and picks the root appender of {@code logback.xml} from the environment, before
 * {@code conf/config.json} or {@code --conf} has been read; once the configuration is known, a format
 * set there is applied by configuring logback again from the same file, with the format as a context
 * property (which wins over the environment in logback's variable lookup).
 */
public final class LogFormat {

  /** The variable {@code logback.xml} names its root appender by. */
  static final String VARIABLE = "GATEWAY_LOG_FORMAT";

  private LogFormat() {
  }

  /**
   * Makes {@code format} ({@code text} or {@code json}, the names of {@code logback.xml}'s appenders)
   * the root appender, unless it is already. Called once, on the main thread, at startup.
   */
  public static void apply(String format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J backend: its own configuration rules
    }
    if (context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(format) != null) {
      return;
    }
    URL file = ConfigurationWatchListUtil.getMainWatchURL(context);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    context.reset();
    context.putProperty(VARIABLE, format);
    try {
      configurator.doConfigure(file != null ? file : LogFormat.class.getResource("/logback.xml"));
    } catch (JoranException e) {
      throw new IllegalStateException("cannot apply " + VARIABLE + "=" + format + ": " + e.getMessage(), e);
    }
  }
}

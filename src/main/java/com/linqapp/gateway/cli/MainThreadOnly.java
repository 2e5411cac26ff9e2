package com.linqapp.gateway.cli;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs on the CLI's main thread or the JVM's shutdown-hook thread, never on an event loop, and may wait
 * there: the one exemption from the build's ban on blocking calls ({@code src/main/forbidden-apis.txt}).
 * Lambdas inside are not exempt (they compile to methods of their own, which may run on an event loop).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.METHOD, ElementType.CONSTRUCTOR})
@interface MainThreadOnly {

  /** Why this method may wait. */
  String value();
}

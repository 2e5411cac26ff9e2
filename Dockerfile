# Linq Capability Gateway: build the runnable jar, then run it on a JRE as a non-root user.
# Configuration is by environment variables only (see README); the image carries no conf/ file.

# ---- build stage --------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The pom alone first: dependencies are a cached layer that changes only when the pom does.
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q -DskipTests package

# ---- runtime stage ------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --home-dir /app --no-create-home --shell /usr/sbin/nologin gateway \
 && mkdir -p /app/jobs && chown 10001:10001 /app/jobs && chmod 0700 /app/jobs
# /app holds only the jar: conf/config.json is read from the working directory when present, and
# here there is none, so the jar's built-in defaults plus the environment decide everything.
WORKDIR /app
COPY --from=build /src/target/linq-capability-gateway.jar /app/linq-capability-gateway.jar
USER 10001:10001
# Durable jobs (GATEWAY_JOBS_DIR=./jobs): mount a volume here so jobs outlive the container.
VOLUME ["/app/jobs"]
EXPOSE 8080
# No curl or wget is assumed in the JRE image: bash's /dev/tcp sends one HTTP/1.0 request and the
# status line must be 200 (cheaper than starting a second JVM every interval).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${GATEWAY_HTTP_PORT:-8080} && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/linq-capability-gateway.jar"]
CMD ["serve"]

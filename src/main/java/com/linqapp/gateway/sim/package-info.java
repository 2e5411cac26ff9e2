/**
 * An in-process simulator of Linq's Partner API v3 capability endpoints, for tests, benchmarks, the {@code simulate}
 * command and sandbox mode.
 *
 * <p>Start one with {@link com.linqapp.gateway.sim.LinqSimulator#start} and a
 * {@link com.linqapp.gateway.sim.SimulatorOptions}; point a client at
 * {@link com.linqapp.gateway.sim.LinqSimulator#baseUrl()}. Answers are deterministic per service and address
 * ({@link com.linqapp.gateway.sim.Availability#expectedAvailable}); rate limiting
 * ({@link com.linqapp.gateway.sim.TokenBucket}, {@link com.linqapp.gateway.sim.FixedWindow}) and faults
 * ({@link com.linqapp.gateway.sim.Fault}) are configurable up front and at runtime, and
 * {@link com.linqapp.gateway.sim.SimulatorStats} counts what clients did, including requests sent while they had
 * been told to pause.
 *
 * <p>Processing order of a check request: authentication, JSON/address/{@code from} validation, address and pause
 * accounting, rate limiting, scripted fault ({@code failNext}), random fault, latency (or a {@link com.linqapp.gateway.sim.LinqSimulator#hold}), response.
 */
package com.linqapp.gateway.sim;

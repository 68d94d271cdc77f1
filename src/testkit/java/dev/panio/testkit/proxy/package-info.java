/**
 * The fault-injecting proxy: {@link dev.panio.testkit.proxy.FaultProxy} and the
 * {@link dev.panio.testkit.proxy.Fault}s it puts on a connection's directions.
 *
 * <p>Inside, one proxied connection is a {@code Link}: the client's connection, the proxy's
 * connection to the upstream, and a {@code Flow} each way; a flow passes what it reads
 * through one {@code Stage} per fault, in the order the faults were added, and writes what
 * comes out. Everything runs on the proxy's one event-loop thread.
 */
package dev.panio.testkit.proxy;

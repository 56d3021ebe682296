/**
 * The HTTP/1.1 server under the OTLP/HTTP receiver and the query API, on Netty: header and body
 * timeouts, a connection cap, bodies bounded before they are read, and whole requests handed to
 * workers so that no slow client holds a thread.
 */
@NullMarked
package io.agentmeter.processor.http;

import org.jspecify.annotations.NullMarked;

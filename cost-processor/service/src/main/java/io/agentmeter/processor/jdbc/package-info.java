/**
 * The request log and the cost store on SQLite (a file, the default) or PostgreSQL: the schema and
 * its migrations, all-or-nothing transactions on connections that are replaced when they fail, and
 * the row mapping of rollups.
 */
@NullMarked
package io.agentmeter.processor.jdbc;

import org.jspecify.annotations.NullMarked;

package com.linqapp.gateway.jobs;

/**
 * What the limits are checked against before a submission is stored.
 *
 * @param openJobs jobs of the client not finished yet (queued, running, paused), drafts being received included
 * @param bytes    space the whole store takes (every client's jobs)
 */
public record StoreUsage(int openJobs, long bytes) {
}

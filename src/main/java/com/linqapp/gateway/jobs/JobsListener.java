package com.linqapp.gateway.jobs;

import java.util.List;
import java.util.Map;

/** What the job runner reports (to metrics). Called on the runner's event loop. */
public interface JobsListener {

  /** Jobs in the store by status (refreshed every few seconds). */
  void onJobs(Map<JobStatus, Integer> counts);

  /** Final answers just written for jobs' lines. */
  void onJobAnswers(List<JobAnswer> answers);
}

import { MAX_SCORE, type ScorePlugin } from '../framework.ts';

export const DATASET_LOCALITY = 'DatasetLocality';

/** The share of the workload's datasets that live in the candidate's attested country. */
export const datasetLocality: ScorePlugin = {
  name: DATASET_LOCALITY,
  applies: ({ request, options }) => request.datasets.length > 0 && options.datasetCountries !== undefined,
  score({ request, options }, { country }) {
    let local = 0;
    for (const id of request.datasets) if (options.datasetCountries!.get(id)?.includes(country)) local++;
    return Math.round((local * MAX_SCORE) / request.datasets.length);
  },
};

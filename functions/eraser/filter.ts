/**
 * The event source mapping filter of the eraser: only appended MARK_FORGOTTEN events reach it.
 * infra/ passes this pattern to the mapping (FilterCriteria: { Filters: [{ Pattern: JSON }] });
 * the local poller applies the same pattern before invoking the handler.
 */
export const eraserFilterPattern = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { type: { S: ['MARK_FORGOTTEN'] } } },
} as const;

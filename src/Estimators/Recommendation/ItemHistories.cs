using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Sequence.Recommendation
{
    /// <summary>One user's split for next-item evaluation: the items before, the validation target, the test target.</summary>
    internal sealed record LeaveLastOutSplit(int User, int[] Train, int Validation, int Test)
    {
        /// <summary>The history a test-time model reads: the training items and the validation target.</summary>
        public int[] TestHistory => Train.Append(Validation).ToArray();
    }

    /// <summary>
    /// Users' item histories in time order (ties broken by item id), and the leave-last-out protocol of next-item
    /// recommendation (Kang and McAuley, SASRec, 2018; He et al., NCF, 2017): each user's last item is the test target,
    /// the one before it the validation target, the rest training.
    /// </summary>
    internal sealed class ItemHistories
    {
        private ItemHistories(SortedDictionary<int, int[]> histories)
        {
            Histories = histories;
            Items = histories.Values.SelectMany(h => h).Distinct().OrderBy(i => i).ToArray();
        }

        /// <summary>Each user's items in time order.</summary>
        public SortedDictionary<int, int[]> Histories { get; }

        /// <summary>Every item id that occurs, ascending.</summary>
        public int[] Items { get; }

        /// <summary>Histories from (user, item, time) events: sorted by time, equal times by item id.</summary>
        public static ItemHistories From(IEnumerable<(int User, int Item, long Time)> events)
        {
            ArgumentNullException.ThrowIfNull(events);
            var byUser = new Dictionary<int, List<(long Time, int Item)>>();
            foreach (var (user, item, time) in events)
            {
                if (!byUser.TryGetValue(user, out var list))
                    byUser[user] = list = new List<(long, int)>();
                list.Add((time, item));
            }
            var histories = new SortedDictionary<int, int[]>();
            foreach (var (user, list) in byUser)
                histories[user] = list.OrderBy(e => e.Time).ThenBy(e => e.Item).Select(e => e.Item).ToArray();
            return new ItemHistories(histories);
        }

        /// <summary>The leave-last-out split of every user with at least three items (others have no training item).</summary>
        public List<LeaveLastOutSplit> LeaveLastOut() => Histories.Where(h => h.Value.Length >= 3)
            .Select(h => new LeaveLastOutSplit(h.Key, h.Value[..^2], h.Value[^2], h.Value[^1])).ToList();
    }
}

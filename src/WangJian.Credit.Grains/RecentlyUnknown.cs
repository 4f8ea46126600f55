namespace WangJian.Credit.Grains;

/// <summary>
/// Which operators without a record were read lately, as a hint only: a fixed table of ids by hash, so it
/// holds at most a few thousand ids whatever is read, and a collision merely forgets one.
/// </summary>
internal static class RecentlyUnknown
{
    private static readonly string?[] Slots = new string?[4096];

    /// <summary>Whether <paramref name="operatorId"/> was noted before (since its slot was last taken); notes it.</summary>
    public static bool SeenBefore(string operatorId)
    {
        var slot = (int)((uint)string.GetHashCode(operatorId, StringComparison.Ordinal) % (uint)Slots.Length);
        if (Slots[slot] == operatorId)
        {
            return true;
        }

        Slots[slot] = operatorId;
        return false;
    }
}

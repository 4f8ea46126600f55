using System.CommandLine;
using StackExchange.Redis;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// <c>store</c>: the live data of a server's embedded store next to what its data dir holds on disk. Live
/// data is what a fresh copy would have to hold: every key and its value bytes (strings, hash fields and
/// values, sorted-set members with an 8-byte score, list and set elements), read over the store's own port
/// with the password from the data dir.
/// </summary>
public static class StoreCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "The server's Storage:DataDir", Required = true };
        var port = new Option<int>("--port") { Description = "The embedded store's port (\"Embedded Garnet on 127.0.0.1:PORT\" in the server log)", Required = true };
        var command = new Command("store", "Live data of the embedded store and the size of its data dir") { data, port };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dir = parse.GetValue(data)!;
            var options = new ConfigurationOptions { EndPoints = { { "127.0.0.1", parse.GetValue(port) } }, Password = (await File.ReadAllTextAsync(Path.Combine(dir, "garnet", "password"), cancellationToken)).Trim() };
            using var redis = await ConnectionMultiplexer.ConnectAsync(options);
            var db = redis.GetDatabase();
            long keys = 0, live = 0;
            foreach (var key in redis.GetServers()[0].Keys(pageSize: 1000))
            {
                keys++;
                live += ((byte[])key!).Length + await db.KeyTypeAsync(key) switch
                {
                    RedisType.String => await db.StringLengthAsync(key),
                    RedisType.Hash => (await db.HashGetAllAsync(key)).Sum(e => (long)((byte[])e.Name!).Length + ((byte[])e.Value!).Length),
                    RedisType.SortedSet => (await db.SortedSetRangeByRankAsync(key)).Sum(m => ((byte[])m!).Length + 8L),
                    RedisType.List => (await db.ListRangeAsync(key)).Sum(v => (long)((byte[])v!).Length),
                    RedisType.Set => (await db.SetMembersAsync(key)).Sum(v => (long)((byte[])v!).Length),
                    _ => 0,
                };
            }

            var files = new DirectoryInfo(Path.Combine(dir, "garnet")).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
            long Bytes(string part) => files.Where(f => f.FullName.Contains(part, StringComparison.Ordinal)).Sum(f => f.Length);
            var total = files.Sum(f => f.Length);
            Console.WriteLine($"store: {keys} keys, live data {Stats.F(live / 1e6, "F1")} MB; data dir {Stats.F(total / 1e6, "F1")} MB " +
                $"({Stats.F((double)total / live, "F2")}x live: log {Stats.F(Bytes("/AOF/") / 1e6, "F1")} MB, checkpoint {Stats.F(Bytes("/Store/checkpoints/") / 1e6, "F1")} MB, " +
                $"store log {Stats.F(Bytes("/log/") / 1e6, "F1")} MB)");
            return 0;
        });
        return command;
    }
}

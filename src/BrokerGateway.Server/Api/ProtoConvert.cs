using BrokerGateway.Core.Presence;
using Google.Protobuf.Collections;

namespace BrokerGateway.Server.Api;

/// <summary>Presence records as their bgw.v1 messages.</summary>
public static class ProtoConvert
{
    public static Bgw.V1.Member ToProto(this Member m)
    {
        var member = new Bgw.V1.Member { Conn = m.Conn, Node = m.Node };
        if (m.Uid is not null) member.Uid = m.Uid;
        return member;
    }

    public static Bgw.V1.ConnInfo ToProto(this ConnectionState c)
    {
        var info = new Bgw.V1.ConnInfo { Nsp = c.Nsp, Conn = c.Conn, Node = c.Node, ConnectedAtUnixMs = c.ConnectedAt.ToUnixTimeMilliseconds() };
        if (c.Uid is not null) info.Uid = c.Uid;
        foreach (var (key, value) in c.Session) info.Session[key] = value;
        info.Rooms.AddRange(c.Rooms.Order(StringComparer.Ordinal));
        info.Topics.AddRange(c.Topics.Order(StringComparer.Ordinal));
        return info;
    }

    public static Bgw.V1.IdPage ToProto(this Page<string> page)
    {
        var proto = new Bgw.V1.IdPage { NextCursor = page.NextCursor ?? "" };
        proto.Ids.AddRange(page.Items);
        return proto;
    }

    public static Bgw.V1.MemberPage ToProto(this Page<Member> page)
    {
        var proto = new Bgw.V1.MemberPage { NextCursor = page.NextCursor ?? "" };
        proto.Members.AddRange(page.Items.Select(ToProto));
        return proto;
    }

    public static void AddSorted(this RepeatedField<string> field, IEnumerable<string> values) =>
        field.AddRange(values.Order(StringComparer.Ordinal));
}

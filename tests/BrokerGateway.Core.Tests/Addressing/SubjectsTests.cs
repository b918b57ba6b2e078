using BrokerGateway.Core.Addressing;

namespace BrokerGateway.Core.Tests.Addressing;

public class SubjectsTests
{
    readonly Subjects _subjects = new();

    [Theory]
    [InlineData("lobby")]
    [InlineData("user_42-x")]
    public void PlainIds_AreUsedAsTheyAre(string id) => Assert.Equal($"bgw.default.room.{id}", _subjects.Room("default", id));

    [Theory]
    [InlineData("a.>")]
    [InlineData("*")]
    [InlineData("../etc")]
    [InlineData("with space")]
    [InlineData("ünï")]
    [InlineData("")]
    public void HostileIds_BecomeOneSafeToken(string id)
    {
        var token = SubjectToken.Encode(id);
        Assert.StartsWith("~", token);
        Assert.DoesNotContain('.', token);
        Assert.DoesNotContain('*', token);
        Assert.DoesNotContain('>', token);
        Assert.DoesNotContain(' ', token);
        Assert.Equal(id, SubjectToken.Decode(token));
    }

    [Fact]
    public void LongIds_AreEncoded_SoTheyCannotCollideWithPlainOnes()
    {
        var id = new string('a', 129);
        Assert.StartsWith("~", SubjectToken.Encode(id));
        Assert.Equal(id, SubjectToken.Decode(SubjectToken.Encode(id)));
    }

    [Fact]
    public void NonCanonicalTokens_DoNotDecode() => Assert.Null(SubjectToken.Decode("~" + "bG9iYnk")); // "lobby" is plain

    [Fact]
    public void EveryTargetKind_HasItsSubject()
    {
        Assert.Equal("bgw.default.user.u1", _subjects.For(Target.User("default", "u1")));
        Assert.Equal("bgw.default.topic.news", _subjects.For(Target.Topic("default", "news")));
        Assert.Equal("bgw.default.all", _subjects.For(Target.Namespace("default")));
        Assert.Equal("bgw.conn.c1", _subjects.For(Target.Connection("c1")));
        Assert.Equal("bgw.~YS5i.events.open", _subjects.Events("a.b", "open"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("a.*")]
    [InlineData("a b")]
    public void BadPrefixes_AreRefused(string prefix) => Assert.Throws<ArgumentException>(() => new Subjects(prefix));
}

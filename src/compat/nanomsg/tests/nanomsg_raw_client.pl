#!/usr/bin/perl
# Debian's NanoMsg::Raw (libnanomsg-raw-perl, unchanged) driven by the
# clients test: it links libnanomsg.so.5, which LD_LIBRARY_PATH points at
# this library. Usage:
#   nanomsg_raw_client.pl library              which libnanomsg.so.5 is loaded
#   nanomsg_raw_client.pl selftest             the binding's calls, over inproc
#   nanomsg_raw_client.pl req URL DATA         a request; prints the reply
#   nanomsg_raw_client.pl rep URL DATA         answers one request with DATA; prints it
#   nanomsg_raw_client.pl pull URL             prints one message
#   nanomsg_raw_client.pl push URL DATA        sends DATA every 100 ms until killed
#   nanomsg_raw_client.pl sub URL              prints one published message
# Exits 0 on success; dies (non-zero) with nanomsg's error otherwise.
use strict;
use warnings;
use NanoMsg::Raw;

$| = 1;

sub check {
    my ($what, $ok) = @_;
    die "$what failed: " . nn_strerror(nn_errno()) . "\n" unless defined $ok && $ok ne '';
    return $ok;
}

sub socket_of {
    my ($protocol) = @_;
    my $s = check('nn_socket', nn_socket(AF_SP, $protocol));
    check('NN_RCVTIMEO', nn_setsockopt($s, NN_SOL_SOCKET, NN_RCVTIMEO, 20000));
    check('NN_SNDTIMEO', nn_setsockopt($s, NN_SOL_SOCKET, NN_SNDTIMEO, 20000));
    return $s;
}

sub library {
    open my $maps, '<', '/proc/self/maps' or die "no /proc/self/maps: $!\n";
    my %seen;
    while (<$maps>) { $seen{$1} = 1 if m{(/\S*libnanomsg\.so[^\s]*)}; }
    print "library: $_\n" for sort keys %seen;
}

sub selftest {
    my $a = socket_of(NN_PAIR);
    my $b = socket_of(NN_PAIR);
    check('nn_bind', defined nn_bind($a, 'inproc://perl-selftest'));
    check('nn_connect', defined nn_connect($b, 'inproc://perl-selftest'));
    check('nn_send', nn_send($b, 'hello perl') == 10);
    check('nn_recv', nn_recv($a, my $buf, 64) == 10);
    die "got '$buf'\n" unless $buf eq 'hello perl';
    # Zero-copy: the default length is NN_MSG.
    check('nn_send', nn_send($a, 'zero copy'));
    check('nn_recv NN_MSG', nn_recv($b, my $msg) == 9);
    die "got '$msg'\n" unless "$msg" eq 'zero copy';
    my $out = nn_allocmsg(5, 0);
    check('nn_allocmsg', defined $out);
    $out->copy('alloc');
    check('nn_send allocmsg', nn_send($b, $out) == 5);
    check('nn_recv', nn_recv($a, my $alloc, 64) == 5);
    die "got '$alloc'\n" unless $alloc eq 'alloc';
    # Scatter / gather.
    check('nn_sendmsg', nn_sendmsg($b, 0, 'foo', 'bar') == 6);
    check('nn_recvmsg', nn_recvmsg($a, 0, my $p1 => 2, my $p2 => 10) == 6);
    die "got '$p1' '$p2'\n" unless $p1 eq 'fo' && $p2 eq 'obar';
    # Options and errors.
    my $domain = unpack 'i', check('nn_getsockopt', nn_getsockopt($a, NN_SOL_SOCKET, NN_DOMAIN));
    die "domain $domain\n" unless $domain == AF_SP;
    die "EAGAIN expected\n" if defined nn_recv($a, my $none, 8, NN_DONTWAIT);
    die "errno " . nn_errno() . "\n" unless nn_errno() == EAGAIN;
    die "EFSM constant\n" unless EFSM == 156384766 && ETERM == 156384765;
    my $rep = socket_of(NN_REP);
    die "EFSM expected\n" if defined nn_send($rep, 'early');
    die "errno " . nn_errno() . "\n" unless nn_errno() == EFSM;
    check('nn_shutdown', nn_shutdown($a, 1));
    check('nn_close', nn_close($_)) for $a, $b, $rep;
    die "EBADF expected\n" if nn_close($a);
    nn_term();
    die "ETERM expected\n" if defined nn_socket(AF_SP, NN_PAIR);
    die "errno " . nn_errno() . "\n" unless nn_errno() == ETERM;
    print "selftest ok\n";
}

my ($mode, $url, $data) = @ARGV;
die "usage: $0 library|selftest|req|rep|pull|push|sub URL [DATA]\n" unless $mode;
if ($mode eq 'library') { library(); exit 0; }
if ($mode eq 'selftest') { selftest(); exit 0; }
die "$mode needs a URL\n" unless $url;

if ($mode eq 'req') {
    my $s = socket_of(NN_REQ);
    check('nn_connect', defined nn_connect($s, $url));
    check('nn_send', nn_send($s, $data));
    check('nn_recv', defined nn_recv($s, my $reply, 1024));
    print "reply: $reply\n";
} elsif ($mode eq 'rep') {
    my $s = socket_of(NN_REP);
    check('nn_bind', defined nn_bind($s, $url));
    check('nn_recv', defined nn_recv($s, my $request, 1024));
    print "request: $request\n";
    check('nn_send', nn_send($s, $data));
    sleep 1;  # let the reply leave before the process ends
} elsif ($mode eq 'pull') {
    my $s = socket_of(NN_PULL);
    check('nn_bind', defined nn_bind($s, $url));
    check('nn_recv', defined nn_recv($s, my $m, 1024));
    print "message: $m\n";
} elsif ($mode eq 'push') {
    my $s = socket_of(NN_PUSH);
    check('nn_connect', defined nn_connect($s, $url));
    while (1) {
        check('nn_send', nn_send($s, $data));
        select(undef, undef, undef, 0.1);
    }
} elsif ($mode eq 'sub') {
    my $s = socket_of(NN_SUB);
    check('subscribe', nn_setsockopt($s, NN_SUB, NN_SUB_SUBSCRIBE, ''));
    check('nn_connect', defined nn_connect($s, $url));
    check('nn_recv', defined nn_recv($s, my $m, 1024));
    print "message: $m\n";
} else {
    die "unknown mode $mode\n";
}

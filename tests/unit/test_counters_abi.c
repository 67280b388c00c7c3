/* SPDX-License-Identifier: MIT */
/* The counters are ABI: a program reads them by number (synack_counter_get) and tools
 * keep their names, so a counter's number and name never change once released. This is
 * the golden list as of issue 12; it may only grow at the end (they were renumbered once,
 * which this test exists to prevent). A removed counter fails to compile here, a
 * renumbered or renamed one fails at run time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "synack/synack.h"

typedef struct golden_counter {
    synack_counter ctr; /* the enumerator by name, as the header has it today */
    int value;          /* its number when the list was pinned */
    const char *name;   /* what synack_counter_name() says */
} golden_counter;

static const golden_counter golden[] = {
    {SYNACK_CTR_ActiveOpens, 0, "ActiveOpens"},
    {SYNACK_CTR_PassiveOpens, 1, "PassiveOpens"},
    {SYNACK_CTR_AttemptFails, 2, "AttemptFails"},
    {SYNACK_CTR_EstabResets, 3, "EstabResets"},
    {SYNACK_CTR_CurrEstab, 4, "CurrEstab"},
    {SYNACK_CTR_InSegs, 5, "InSegs"},
    {SYNACK_CTR_OutSegs, 6, "OutSegs"},
    {SYNACK_CTR_RetransSegs, 7, "RetransSegs"},
    {SYNACK_CTR_InErrs, 8, "InErrs"},
    {SYNACK_CTR_OutRsts, 9, "OutRsts"},
    {SYNACK_CTR_InCsumErrors, 10, "InCsumErrors"},
    {SYNACK_CTR_InReceives, 11, "InReceives"},
    {SYNACK_CTR_InHdrErrors, 12, "InHdrErrors"},
    {SYNACK_CTR_InAddrErrors, 13, "InAddrErrors"},
    {SYNACK_CTR_InUnknownProtos, 14, "InUnknownProtos"},
    {SYNACK_CTR_InDiscards, 15, "InDiscards"},
    {SYNACK_CTR_OutDiscards, 16, "OutDiscards"},
    {SYNACK_CTR_ReasmFails, 17, "ReasmFails"},
    {SYNACK_CTR_ListenOverflows, 18, "ListenOverflows"},
    {SYNACK_CTR_ListenDrops, 19, "ListenDrops"},
    {SYNACK_CTR_SyncookiesSent, 20, "SyncookiesSent"},
    {SYNACK_CTR_SyncookiesRecv, 21, "SyncookiesRecv"},
    {SYNACK_CTR_SyncookiesFailed, 22, "SyncookiesFailed"},
    {SYNACK_CTR_TCPChallengeACK, 23, "TCPChallengeACK"},
    {SYNACK_CTR_TCPSYNChallenge, 24, "TCPSYNChallenge"},
    {SYNACK_CTR_TCPTimeWaitReused, 25, "TCPTimeWaitReused"},
    {SYNACK_CTR_TCPKeepAliveTimeouts, 26, "TCPKeepAliveTimeouts"},
    {SYNACK_CTR_TCPTimeouts, 27, "TCPTimeouts"},
    {SYNACK_CTR_TCPAbortOnData, 28, "TCPAbortOnData"},
    {SYNACK_CTR_TCPAbortOnClose, 29, "TCPAbortOnClose"},
    {SYNACK_CTR_TCPAbortOnLinger, 30, "TCPAbortOnLinger"},
    {SYNACK_CTR_TCPAbortOnTimeout, 31, "TCPAbortOnTimeout"},
    {SYNACK_CTR_TCPAbortFailed, 32, "TCPAbortFailed"},
    {SYNACK_CTR_TCPOFOQueue, 33, "TCPOFOQueue"},
    {SYNACK_CTR_TCPOFODrop, 34, "TCPOFODrop"},
    {SYNACK_CTR_TCPRcvQDrop, 35, "TCPRcvQDrop"},
    {SYNACK_CTR_TCPFastRetrans, 36, "TCPFastRetrans"},
    {SYNACK_CTR_TCPLossProbes, 37, "TCPLossProbes"},
    {SYNACK_CTR_TCPDSACKRecv, 38, "TCPDSACKRecv"},
    {SYNACK_CTR_TCPDSACKOldSent, 39, "TCPDSACKOldSent"},
    {SYNACK_CTR_TCPDSACKOfoSent, 40, "TCPDSACKOfoSent"},
    {SYNACK_CTR_PAWSEstab, 41, "PAWSEstab"},
    {SYNACK_CTR_TCPSACKRecv, 42, "TCPSACKRecv"},
    {SYNACK_CTR_TCPPureAcks, 43, "TCPPureAcks"},
    {SYNACK_CTR_TCPHPHits, 44, "TCPHPHits"},
    {SYNACK_CTR_TCPDelayedACKs, 45, "TCPDelayedACKs"},
    {SYNACK_CTR_TCPZeroWindowDrop, 46, "TCPZeroWindowDrop"},
    {SYNACK_CTR_TCPWinProbe, 47, "TCPWinProbe"},
    {SYNACK_CTR_TCPTimeWaitRecycled, 48, "TCPTimeWaitRecycled"},
    {SYNACK_CTR_TCPACKSkippedChallenge, 49, "TCPACKSkippedChallenge"},
    {SYNACK_CTR_TCPOldAckDrop, 50, "TCPOldAckDrop"},
    {SYNACK_CTR_InEchos, 51, "InEchos"},
    {SYNACK_CTR_OutEchoReps, 52, "OutEchoReps"},
    {SYNACK_CTR_OutDestUnreachs, 53, "OutDestUnreachs"},
    {SYNACK_CTR_InDestUnreachs, 54, "InDestUnreachs"},
    {SYNACK_CTR_ArpDrops, 55, "ArpDrops"},
    {SYNACK_CTR_NoMemory, 56, "NoMemory"},
    {SYNACK_CTR_TCPLossProbeRecovery, 57, "TCPLossProbeRecovery"},
    {SYNACK_CTR_TCPLostRetransmit, 58, "TCPLostRetransmit"},
    {SYNACK_CTR_RackLossDetected, 59, "RackLossDetected"},
    {SYNACK_CTR_RackReorderTimeouts, 60, "RackReorderTimeouts"},
    {SYNACK_CTR_RackRecordOverflows, 61, "RackRecordOverflows"},
    {SYNACK_CTR_SackScoreboardOverflows, 62, "SackScoreboardOverflows"},
    {SYNACK_CTR_TCPFastOpenActive, 63, "TCPFastOpenActive"},
    {SYNACK_CTR_TCPFastOpenActiveFail, 64, "TCPFastOpenActiveFail"},
    {SYNACK_CTR_TCPFastOpenActiveDisabled, 65, "TCPFastOpenActiveDisabled"},
    {SYNACK_CTR_TCPFastOpenCacheEvict, 66, "TCPFastOpenCacheEvict"},
    {SYNACK_CTR_TCPFastOpenPassive, 67, "TCPFastOpenPassive"},
    {SYNACK_CTR_TCPFastOpenPassiveFail, 68, "TCPFastOpenPassiveFail"},
    {SYNACK_CTR_TCPFastOpenListenOverflow, 69, "TCPFastOpenListenOverflow"},
    {SYNACK_CTR_TCPFastOpenCookieReqd, 70, "TCPFastOpenCookieReqd"},
    {SYNACK_CTR_TCPFastOpenPassiveAltKey, 71, "TCPFastOpenPassiveAltKey"},
    {SYNACK_CTR_InECT1Pkts, 72, "InECT1Pkts"},
    {SYNACK_CTR_InECT0Pkts, 73, "InECT0Pkts"},
    {SYNACK_CTR_InCEPkts, 74, "InCEPkts"},
    {SYNACK_CTR_TCPECNNegotiated, 75, "TCPECNNegotiated"},
    {SYNACK_CTR_TCPECNReductions, 76, "TCPECNReductions"},
    {SYNACK_CTR_ReasmReqds, 77, "ReasmReqds"},
    {SYNACK_CTR_ReasmOKs, 78, "ReasmOKs"},
    {SYNACK_CTR_ReasmTimeout, 79, "ReasmTimeout"},
    {SYNACK_CTR_ReasmOverlaps, 80, "ReasmOverlaps"},
    {SYNACK_CTR_OutTimeExcds, 81, "OutTimeExcds"},
    {SYNACK_CTR_PmtuCacheUpdates, 82, "PmtuCacheUpdates"},
    {SYNACK_CTR_PmtuCacheExpired, 83, "PmtuCacheExpired"},
    {SYNACK_CTR_PmtuCacheEvict, 84, "PmtuCacheEvict"},
    {SYNACK_CTR_TCPSynHeld, 85, "TCPSynHeld"},
    {SYNACK_CTR_TCPSynHeldRetrans, 86, "TCPSynHeldRetrans"},
    {SYNACK_CTR_TCPSynHeldExpired, 87, "TCPSynHeldExpired"},
    {SYNACK_CTR_TCPSynHeldRejected, 88, "TCPSynHeldRejected"},
    {SYNACK_CTR_TCPSynHeldInvalid, 89, "TCPSynHeldInvalid"},
    {SYNACK_CTR_PAWSActiveRejected, 90, "PAWSActiveRejected"},
    {SYNACK_CTR_UdpInDatagrams, 91, "UdpInDatagrams"},
    {SYNACK_CTR_UdpNoPorts, 92, "UdpNoPorts"},
    {SYNACK_CTR_UdpInErrors, 93, "UdpInErrors"},
    {SYNACK_CTR_UdpOutDatagrams, 94, "UdpOutDatagrams"},
    {SYNACK_CTR_UdpRcvbufErrors, 95, "UdpRcvbufErrors"},
    {SYNACK_CTR_UdpInCsumErrors, 96, "UdpInCsumErrors"},
    {SYNACK_CTR_TCPMTUPFail, 97, "TCPMTUPFail"},
    {SYNACK_CTR_TCPMTUPSuccess, 98, "TCPMTUPSuccess"},
    {SYNACK_CTR_Ip6InReceives, 99, "Ip6InReceives"},
    {SYNACK_CTR_Ip6InHdrErrors, 100, "Ip6InHdrErrors"},
    {SYNACK_CTR_Ip6InAddrErrors, 101, "Ip6InAddrErrors"},
    {SYNACK_CTR_Ip6InUnknownProtos, 102, "Ip6InUnknownProtos"},
    {SYNACK_CTR_Ip6InTruncatedPkts, 103, "Ip6InTruncatedPkts"},
    {SYNACK_CTR_Ip6InDiscards, 104, "Ip6InDiscards"},
    {SYNACK_CTR_Ip6InDelivers, 105, "Ip6InDelivers"},
    {SYNACK_CTR_Ip6OutRequests, 106, "Ip6OutRequests"},
    {SYNACK_CTR_Ip6OutDiscards, 107, "Ip6OutDiscards"},
    {SYNACK_CTR_Ip6OutNoRoutes, 108, "Ip6OutNoRoutes"},
    {SYNACK_CTR_SkbRecordFull, 109, "SkbRecordFull"},
    {SYNACK_CTR_Icmp6InMsgs, 110, "Icmp6InMsgs"},
    {SYNACK_CTR_Icmp6InErrors, 111, "Icmp6InErrors"},
    {SYNACK_CTR_Icmp6InCsumErrors, 112, "Icmp6InCsumErrors"},
    {SYNACK_CTR_Icmp6OutMsgs, 113, "Icmp6OutMsgs"},
    {SYNACK_CTR_Icmp6InEchos, 114, "Icmp6InEchos"},
    {SYNACK_CTR_Icmp6OutEchoReplies, 115, "Icmp6OutEchoReplies"},
    {SYNACK_CTR_Icmp6InDestUnreachs, 116, "Icmp6InDestUnreachs"},
    {SYNACK_CTR_Icmp6InPktTooBigs, 117, "Icmp6InPktTooBigs"},
    {SYNACK_CTR_Icmp6InTimeExcds, 118, "Icmp6InTimeExcds"},
    {SYNACK_CTR_Icmp6InParmProblems, 119, "Icmp6InParmProblems"},
    {SYNACK_CTR_Icmp6OutDestUnreachs, 120, "Icmp6OutDestUnreachs"},
    {SYNACK_CTR_Icmp6OutParmProblems, 121, "Icmp6OutParmProblems"},
    {SYNACK_CTR_IcmpOutRateLimitGlobal, 122, "IcmpOutRateLimitGlobal"},
    {SYNACK_CTR_Icmp6InNeighborSolicits, 123, "Icmp6InNeighborSolicits"},
    {SYNACK_CTR_Icmp6InNeighborAdvertisements, 124, "Icmp6InNeighborAdvertisements"},
    {SYNACK_CTR_Icmp6OutNeighborSolicits, 125, "Icmp6OutNeighborSolicits"},
    {SYNACK_CTR_Icmp6OutNeighborAdvertisements, 126, "Icmp6OutNeighborAdvertisements"},
    {SYNACK_CTR_Ip6ReasmReqds, 127, "Ip6ReasmReqds"},
    {SYNACK_CTR_Ip6ReasmOKs, 128, "Ip6ReasmOKs"},
    {SYNACK_CTR_Ip6ReasmFails, 129, "Ip6ReasmFails"},
    {SYNACK_CTR_Ip6ReasmTimeout, 130, "Ip6ReasmTimeout"},
    {SYNACK_CTR_Icmp6OutTimeExcds, 131, "Icmp6OutTimeExcds"},
    {SYNACK_CTR_OutOfWindowIcmps, 132, "OutOfWindowIcmps"},
    {SYNACK_CTR_Udp6InDatagrams, 133, "Udp6InDatagrams"},
    {SYNACK_CTR_Udp6NoPorts, 134, "Udp6NoPorts"},
    {SYNACK_CTR_Udp6InErrors, 135, "Udp6InErrors"},
    {SYNACK_CTR_Udp6OutDatagrams, 136, "Udp6OutDatagrams"},
    {SYNACK_CTR_Udp6RcvbufErrors, 137, "Udp6RcvbufErrors"},
    {SYNACK_CTR_Udp6InCsumErrors, 138, "Udp6InCsumErrors"},
    {SYNACK_CTR_Ip6FragOKs, 139, "Ip6FragOKs"},
    {SYNACK_CTR_Ip6FragFails, 140, "Ip6FragFails"},
    {SYNACK_CTR_Ip6FragCreates, 141, "Ip6FragCreates"},
    {SYNACK_CTR_Icmp6OutRateLimitHost, 142, "Icmp6OutRateLimitHost"},
    {SYNACK_CTR_Ip6DadFailed, 143, "Ip6DadFailed"},
    {SYNACK_CTR_Icmp6InGroupMembQueries, 144, "Icmp6InGroupMembQueries"},
    {SYNACK_CTR_Icmp6OutMLDv2Reports, 145, "Icmp6OutMLDv2Reports"},
    {SYNACK_CTR_Icmp6InRouterAdvertisements, 146, "Icmp6InRouterAdvertisements"},
    {SYNACK_CTR_Icmp6InRedirects, 147, "Icmp6InRedirects"},
    {SYNACK_CTR_Icmp6InRaPrefixIgnored, 148, "Icmp6InRaPrefixIgnored"},
    {SYNACK_CTR_Icmp6InRaRoutersIgnored, 149, "Icmp6InRaRoutersIgnored"},
    {SYNACK_CTR_OutEchos, 150, "OutEchos"},
    {SYNACK_CTR_InEchoReps, 151, "InEchoReps"},
    {SYNACK_CTR_Icmp6OutEchos, 152, "Icmp6OutEchos"},
    {SYNACK_CTR_Icmp6InEchoReplies, 153, "Icmp6InEchoReplies"},
    {SYNACK_CTR_PingRcvbufErrors, 154, "PingRcvbufErrors"},
    {SYNACK_CTR_Icmp6OutRouterSolicits, 155, "Icmp6OutRouterSolicits"},
    {SYNACK_CTR_Icmp6InRaMtuIgnored, 156, "Icmp6InRaMtuIgnored"},
    {SYNACK_CTR_Ip6DadLoopedBack, 157, "Ip6DadLoopedBack"},
    {SYNACK_CTR_Icmp6OutGroupMembResponses, 158, "Icmp6OutGroupMembResponses"},
    {SYNACK_CTR_Icmp6OutGroupMembReductions, 159, "Icmp6OutGroupMembReductions"},
    {SYNACK_CTR_Icmp6InGroupMembResponses, 160, "Icmp6InGroupMembResponses"},
    {SYNACK_CTR_Ip6AddrListFull, 161, "Ip6AddrListFull"},
    {SYNACK_CTR_ArpProbes, 162, "ArpProbes"},
    {SYNACK_CTR_ArpNudFailures, 163, "ArpNudFailures"},
    {SYNACK_CTR_TCPIcmpRtoReverts, 164, "TCPIcmpRtoReverts"},
};

#define GOLDEN_COUNT ((int)(sizeof(golden) / sizeof(golden[0])))

static void test_numbers_never_change(void **state)
{
    (void)state;
    for (int i = 0; i < GOLDEN_COUNT; i++) {
        if ((int)golden[i].ctr != golden[i].value)
            fail_msg("counter %s is %d, was %d: counters may only be appended", golden[i].name,
                     (int)golden[i].ctr, golden[i].value);
        assert_int_equal(golden[i].value, i); /* the list itself is in number order */
    }
}

static void test_names_never_change(void **state)
{
    (void)state;
    for (int i = 0; i < GOLDEN_COUNT; i++)
        assert_string_equal(synack_counter_name((synack_counter)golden[i].value), golden[i].name);
}

static void test_new_counters_only_at_the_end(void **state)
{
    (void)state;
    assert_true(SYNACK_CTR_COUNT >= GOLDEN_COUNT);
    /* Whatever was appended has a name of its own, none of the pinned ones. */
    for (int i = GOLDEN_COUNT; i < SYNACK_CTR_COUNT; i++) {
        const char *name = synack_counter_name((synack_counter)i);
        assert_non_null(name);
        for (int j = 0; j < GOLDEN_COUNT; j++)
            assert_string_not_equal(name, golden[j].name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_never_change),
        cmocka_unit_test(test_names_never_change),
        cmocka_unit_test(test_new_counters_only_at_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

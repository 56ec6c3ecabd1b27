//! The audit key: entries written with it carry a MAC only its holder can make, so an
//! entry appended by someone holding the database alone — a correct link of the chain,
//! hashed by the published rules — is caught by `audit_verify` given the key. And
//! `audit_verify` reads one snapshot, so writes going on meanwhile are no finding.

use truce_store::accounts::UserRole;
use truce_store::audit::AuditKey;
use truce_store::testing::{forge_audit_entry, fresh_all};

const PASSWORD: &str = "a long enough password";

#[tokio::test]
async fn an_entry_appended_without_the_audit_key_is_caught_by_verify_given_the_key() {
    let now = "2026-11-28T00:00:00Z";
    for (guard, plain) in fresh_all().await {
        let store = plain.with_audit_key(AuditKey::new([7; 32]));
        store
            .add_user("ana", "Ana Analyst", UserRole::Analyst, None, PASSWORD, now)
            .await
            .expect("user");
        store
            .create_token("ana", "laptop", now)
            .await
            .expect("token");
        let report = store.audit_verify(None).await.expect("verify");
        assert!(report.key_checked);
        assert!(report.is_intact(), "{report:?}");

        // A well-formed link appended through the database alone.
        let forged = forge_audit_entry(&store, None).await.expect("forge");
        let without_key = plain.audit_verify(None).await.expect("verify");
        assert!(
            without_key.is_intact() && !without_key.key_checked,
            "the chain alone cannot tell: {without_key:?}"
        );
        let report = store.audit_verify(None).await.expect("verify");
        assert!(!report.is_intact());
        assert_eq!(
            report
                .unauthenticated
                .iter()
                .map(|f| f.seq)
                .collect::<Vec<_>>(),
            [Some(forged)],
            "{report:?}"
        );
        assert!(
            report.unauthenticated[0]
                .what
                .contains("without the audit key"),
            "{report:?}"
        );
        // A made-up MAC does not pass either.
        let guessed = forge_audit_entry(&store, Some(&"ab".repeat(32)))
            .await
            .expect("forge");
        let report = store.audit_verify(None).await.expect("verify");
        assert_eq!(
            report
                .unauthenticated
                .iter()
                .map(|f| f.seq)
                .collect::<Vec<_>>(),
            [Some(forged), Some(guessed)]
        );
        // Another key does not vouch for entries made with this one.
        let other = plain.with_audit_key(AuditKey::new([8; 32]));
        let report = other.audit_verify(None).await.expect("verify");
        assert!(report.unauthenticated.len() > 2, "{report:?}");
        guard.done(store).await;
    }
}

#[tokio::test]
async fn a_first_audit_key_vouches_for_an_intact_chain_and_for_nothing_appended_after() {
    let now = "2026-11-28T00:00:00Z";
    for (guard, plain) in fresh_all().await {
        // Written before the database had a key.
        plain
            .add_user("ana", "Ana Analyst", UserRole::Analyst, None, PASSWORD, now)
            .await
            .expect("user");
        let store = plain.with_audit_key(AuditKey::new([9; 32]));
        assert!(!store.audit_verify(None).await.expect("verify").is_intact());
        let vouched = store
            .authenticate_audit_chain()
            .await
            .expect("authenticate");
        assert!(vouched >= 1, "{vouched} entries");
        assert!(store.audit_verify(None).await.expect("verify").is_intact());
        assert_eq!(store.authenticate_audit_chain().await.expect("again"), 0);
        store
            .create_token("ana", "laptop", now)
            .await
            .expect("token");
        let forged = forge_audit_entry(&store, None).await.expect("forge");
        let report = store.audit_verify(None).await.expect("verify");
        assert_eq!(
            report
                .unauthenticated
                .iter()
                .map(|f| f.seq)
                .collect::<Vec<_>>(),
            [Some(forged)]
        );
        guard.done(store).await;
    }
}

#[tokio::test]
async fn verify_while_writes_go_on_finds_nothing() {
    let now = "2026-11-28T00:00:00Z";
    for (guard, store) in fresh_all().await {
        let store = store.with_audit_key(AuditKey::new([5; 32]));
        store
            .add_user("ana", "Ana Analyst", UserRole::Analyst, None, PASSWORD, now)
            .await
            .expect("user");
        // Tokens created and revoked without a pause while the chain is checked.
        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                for k in 0..60 {
                    let (id, _) = store
                        .create_token("ana", &format!("device {k}"), now)
                        .await
                        .expect("token");
                    store.revoke_token(&id).await.expect("revoke");
                }
            })
        };
        let mut checks = 0;
        while !writer.is_finished() || checks == 0 {
            let report = store.audit_verify(None).await.expect("verify");
            assert!(report.is_intact(), "check {checks}: {report:?}");
            checks += 1;
            assert!(checks < 10_000, "the writer did not finish");
        }
        writer.await.expect("writer");
        assert!(store.audit_verify(None).await.expect("verify").is_intact());
        guard.done(store).await;
    }
}

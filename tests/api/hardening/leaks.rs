//! Where a caller may not see another user, every way of asking (by id or
//! email, existing or not, in another account or organization) answers the
//! same status and message: nothing tells which users exist, or where.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;

use crate::common::TestServer;

#[tokio::test]
async fn users_a_caller_may_not_see_all_look_alike() {
    let server = TestServer::start().await;
    let default = server.default_account().await;
    let customer = server.create_account("Customer").await;
    let (_, plain) = server.create_user(customer, "plain@leak.test", &[]).await;
    let (_, admin) = server
        .create_user(customer, "admin@leak.test", &["admin"])
        .await;
    let (neighbour, _) = server
        .create_user(default, "neighbour@leak.test", &[])
        .await;
    let tenant = server.create_tenant().await;
    let (foreign, _) = server
        .create_user_in(&tenant, tenant.default_account, "foreign@leak.test", &[])
        .await;
    let asks = [
        format!("/users/{neighbour}"),
        "/users/999999".to_owned(),
        format!("/users/{foreign}"),
        "/users/neighbour%40leak.test".to_owned(),
        "/users/nobody%40leak.test".to_owned(),
        "/users/foreign%40leak.test".to_owned(),
        format!("/users/{neighbour}/roles"),
        "/users/999999/roles".to_owned(),
        format!("/users/{foreign}/roles"),
    ];
    for caller in [&plain, &admin] {
        let mut answers = Vec::new();
        for ask in &asks {
            let reply = server.get(ask, caller).await;
            answers.push((reply.status, reply.message()));
        }
        let first = answers[0].clone();
        assert_eq!(first.0, StatusCode::FORBIDDEN);
        for (ask, answer) in asks.iter().zip(&answers) {
            assert_eq!(*answer, first, "{ask}");
        }
    }
}

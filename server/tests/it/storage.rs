//! Object storage round trips on whichever backend this run uses.

use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};

use crate::harness::{backends, TestApp};

#[tokio::test]
async fn store_put_get_head_delete() {
    let app = TestApp::new().await;
    let store = app.state.storage.store();
    let path = Path::from("artifacts/ab/abcdef");
    let data = vec![7u8; 300_000];
    store
        .put(&path, PutPayload::from(data.clone()))
        .await
        .unwrap();
    let meta = store.head(&path).await.unwrap();
    assert_eq!(meta.size, 300_000);
    let got = store.get(&path).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.as_ref(), &data[..], "{}", backends());
    store.delete(&path).await.unwrap();
    assert!(matches!(
        store.head(&path).await,
        Err(object_store::Error::NotFound { .. })
    ));
    app.state.storage.check_reachable().await.unwrap();
}

<?php
// WordPress from the command line, for the tests: `php wp.php COMMAND [ARG]`, answering JSON.
//   install         a fresh site, the test post with its thread, and a post without comments
//   theme NAME      switch to that theme
define('ABSPATH', getenv('WP_TEST_ROOT') . '/');
define('WP_INSTALLING', $argv[1] === 'install');
$_SERVER['HTTP_HOST'] = getenv('WP_TEST_HOST');
require ABSPATH . 'wp-load.php';

function thread() {
    update_option('thread_comments', 1);
    update_option('thread_comments_depth', 5);
    update_option('page_comments', 0);
    $GLOBALS['wp_rewrite']->set_permalink_structure('/%year%/%monthnum%/%postname%/');
    $paragraphs = json_decode(file_get_contents(__DIR__ . '/thread.json'), true);
    $post = wp_insert_post([
        'post_title' => $paragraphs['title'],
        'post_content' => implode("\n\n", array_map(
            fn($p) => "<!-- wp:paragraph -->\n<p>$p</p>\n<!-- /wp:paragraph -->", $paragraphs['paragraphs'])),
        'post_status' => 'publish', 'post_author' => 1, 'post_date' => $paragraphs['date'],
        'post_date_gmt' => $paragraphs['date'], 'tags_input' => $paragraphs['tags'],
    ]);
    $ids = [];
    foreach ($paragraphs['comments'] as $c) {
        $ids[$c['key']] = wp_insert_comment([
            'comment_post_ID' => $post, 'comment_author' => $c['author'],
            'comment_author_email' => $c['key'] . '@example.test',
            'comment_author_url' => $c['url'] ?? '', 'comment_content' => $c['text'],
            'comment_date' => $c['date'], 'comment_date_gmt' => $c['date'],
            'comment_parent' => isset($c['parent']) ? $ids[$c['parent']] : 0,
            'comment_type' => $c['type'] ?? 'comment', 'comment_approved' => 1,
        ]);
    }
    $quiet = wp_insert_post([
        'post_title' => 'A quiet post', 'post_status' => 'publish', 'post_author' => 1,
        'post_content' => "<!-- wp:paragraph -->\n<p>Nobody has answered this one yet.</p>\n<!-- /wp:paragraph -->",
        'post_date' => '2024-04-01 09:00:00', 'post_date_gmt' => '2024-04-01 09:00:00',
    ]);
    flush_rewrite_rules();
    return ['post' => get_permalink($post), 'quiet' => get_permalink($quiet), 'comments' => $ids];
}

if ($argv[1] === 'install') {
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    wp_install('Harbour Notes', 'admin', 'admin@example.test', true, '', 'scraper-tests');
    echo json_encode(thread());
} elseif ($argv[1] === 'theme') {
    switch_theme($argv[2]);
    echo json_encode(['theme' => get_stylesheet()]);
}
